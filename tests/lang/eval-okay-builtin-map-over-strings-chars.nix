let s = "hello"; in builtins.genList (i: builtins.substring i 1 s) (builtins.stringLength s)
