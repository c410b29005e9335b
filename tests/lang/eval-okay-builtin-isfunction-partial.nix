[ (builtins.isFunction (builtins.add 1)) (builtins.isFunction builtins.head) ]
