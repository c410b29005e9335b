builtins.fetchTarball ("file://" + toString ./data/pkg.tar.gz)
