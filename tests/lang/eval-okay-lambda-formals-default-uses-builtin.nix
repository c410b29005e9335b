({ n ? builtins.length [ 1 2 ] }: n) { }
