[ (builtins.match "[a-c]+" "abcabc") (builtins.match "[^a-c]+" "xyz") (builtins.match "[a-c]+" "abd") ]
