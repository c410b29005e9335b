(import ./lib/withdefault/default.nix) == (import ./lib/withdefault)
