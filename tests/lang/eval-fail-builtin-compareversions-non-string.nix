builtins.compareVersions 1 "x"
