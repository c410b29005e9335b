with builtins; [ (hashString "sha256" "") (hashString "sha256" "hello\n") ]
