builtins.fetchTarball "file:///nonexistent-nest-test.tar.gz"
