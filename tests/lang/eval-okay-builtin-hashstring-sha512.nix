builtins.hashString "sha512" "nest"
