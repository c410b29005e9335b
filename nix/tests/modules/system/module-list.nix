[ ./openssh.nix ./users.nix ./networking.nix ../../../lib/assertions-module.nix ]
