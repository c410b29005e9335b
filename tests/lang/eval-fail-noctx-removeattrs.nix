builtins.removeAttrs { a = 1; } [ "a" "${builtins.toFile "x" "hi"}" ]
