[ (builtins.match "^abc$" "abc") (builtins.match "a|^b" "b") ]
