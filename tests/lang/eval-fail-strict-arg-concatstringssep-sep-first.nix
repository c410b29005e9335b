# concatStringsSep forces the separator, then the list.
builtins.concatStringsSep (throw "the separator") (throw "the list")
