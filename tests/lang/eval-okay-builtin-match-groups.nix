builtins.match "([a-z]+)-([0-9]+)(\\.[a-z]+)?" "pkg-123"
