# users.users/users.groups (and the extra* aliases): id allocation, homes, keys,
# hashed passwords, /etc/passwd, group and shadow contents.
let r = import ../../modules/eval-host.nix {
  configuration = {
    containers.u.config = {
      users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" ]; hashedPassword = "$6$salt$hash"; openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAA alice" ]; };
      users.extraUsers.bob = { isNormalUser = true; uid = 1000; };
      users.users.svc = { isSystemUser = true; group = "svc"; };
      users.extraGroups.svc = { };
      users.groups.fixed.gid = 999;
    };
  };
}; c = r.checked.containers.u.config; in
{
  inherit (c.users) allocated;
  inherit (c.system.build.users) passwd group shadow;
  aliceKeys = c.environment.etc."ssh/authorized_keys.d/alice".text;
}
