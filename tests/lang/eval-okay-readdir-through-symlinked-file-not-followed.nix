(builtins.readDir ./data/dir).link
