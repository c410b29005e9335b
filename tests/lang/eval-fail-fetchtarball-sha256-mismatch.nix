builtins.fetchTarball { url = "file://" + toString ./data/tarballs/proj.tar.gz; sha256 = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="; }
