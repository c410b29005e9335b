builtins.fetchTarball ("file://" + toString ./data/tarballs/two-top.tar.gz)
