builtins.match "((foo)|(bar))+" "foobar"
