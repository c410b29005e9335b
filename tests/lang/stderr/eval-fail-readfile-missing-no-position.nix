builtins.readFile ./nonexistent-file
