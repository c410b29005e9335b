builtins.concatLists (builtins.add 1)
