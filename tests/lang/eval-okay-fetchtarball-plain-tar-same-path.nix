builtins.fetchTarball ("file://" + toString ./data/tarballs/proj.tar) == builtins.fetchTarball ("file://" + toString ./data/tarballs/proj.tar.gz)
