import ./trace-lib-increment.nix "a"
