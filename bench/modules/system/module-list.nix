# Stand-in system modules for the benchmark (until nix/modules exists): a small but
# complete-looking system whose `system.build.toplevel` depends on every module.
[
  ./assertions.nix
  ./users.nix
  ./networking.nix
  ./etc.nix
  ./systemd.nix
  ./openssh.nix
  ./nginx.nix
  ./toplevel.nix
]
