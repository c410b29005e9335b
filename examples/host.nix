# The example from the original announcement of NixOS containers, as a nest host
# config: a container `foo` running OpenSSH on port 2022 that lets root in with the
# given key. Replace the key with your own public key, then:
#   nest switch -f examples/host.nix --dry-run
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
