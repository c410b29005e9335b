builtins.elemAt [ 10 20 ] 4294967297
