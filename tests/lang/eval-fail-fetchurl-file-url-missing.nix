builtins.fetchurl "file:///nonexistent-nest-test-file"
