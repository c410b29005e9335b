# concatStringsSep checks its separator before it forces the list.
builtins.concatStringsSep 1 (throw "the list")
