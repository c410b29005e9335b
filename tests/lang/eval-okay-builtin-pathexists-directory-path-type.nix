[ (builtins.pathExists ./lib/withdefault) (builtins.pathExists ./lib/withdefault/default.nix) ]
