builtins.toFile "" "content"
