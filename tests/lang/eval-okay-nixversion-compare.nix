builtins.compareVersions builtins.nixVersion "2.3"
