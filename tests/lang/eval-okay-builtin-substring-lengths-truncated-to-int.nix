[ (builtins.substring 4294967297 2 "hello") (builtins.substring 1 4294967295 "hello") (builtins.substring 1 2147483648 "hello") ]
