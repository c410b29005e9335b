builtins.compareVersions "1.0" "${builtins.toFile "x" "hi"}"
