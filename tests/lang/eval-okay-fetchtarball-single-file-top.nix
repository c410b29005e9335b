let p = builtins.fetchTarball { url = "file://" + toString ./data/tarballs/single-file.tar.gz; name = "one"; }; in [ p (builtins.readFile p) ]
