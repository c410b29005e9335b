with builtins; [ (hashString "sha1" "") (hashString "sha1" "hello") ]
