with builtins; [ (match "a(b)c" "abc") (match "abc" "abc") (match "x" "abc") (match "b" "abc") ]
