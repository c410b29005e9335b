# seq forces its first argument, then its second.
builtins.seq (throw "the first") (throw "the second")
