[ (builtins.match "ab?c" "ac") (builtins.match "ab+c" "ac") (builtins.match "a(bc)*" "abcbc") ]
