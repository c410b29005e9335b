builtins.fetchTarball { url = "file://" + toString ./data/pkg.tar.gz; name = "pkg-src"; }
