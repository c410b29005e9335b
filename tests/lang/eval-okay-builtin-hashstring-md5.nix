with builtins; [ (hashString "md5" "") (hashString "md5" "hello") ]
