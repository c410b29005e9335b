# concatMap checks its function before it forces the list.
builtins.concatMap { } (throw "the list")
