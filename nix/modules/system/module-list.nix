# nest's system modules: what one container's configuration (`containers.<name>.config`)
# is evaluated with.
[
  ../../lib/assertions-module.nix
  ./base.nix
  ./networking.nix
  ./users.nix
  ./environment.nix
  ./systemd.nix
  ./activation.nix
  ./openssh.nix
  ./compat.nix
  ./time.nix
  ./toplevel.nix
]
