with builtins; [ (match "b*" "bbb") (match "b*" "abbb") (match ".*b" "aab") ]
