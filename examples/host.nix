# The example from the original announcement of NixOS containers, as a nest host
# config: a container `foo` running OpenSSH on port 2022 that lets root in with the
# given key. sshd is the host's own (Debian's openssh-server, with patchelf:
# scripts/install-deps.sh), imported into the store with the libraries it loads.
# Replace the key with your own public key, then (as root):
#   nest switch -f examples/host.nix --dry-run    # what would start
#   nest switch -f examples/host.nix
#   ssh -p 2022 root@127.0.0.1                    # a root shell in `foo`
{
  containers.foo = {
    autoStart = true;
    config = {
      services.openssh.enable = true;
      services.openssh.ports = [ 2022 ];
      users.extraUsers.root.openssh.authorizedKeys.keys = [
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl you@example"
      ];
    };
  };
}
