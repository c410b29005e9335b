builtins.path { path = ./nonexistent-file; }
