builtins.readFile "${builtins.fetchTarball ("file://" + toString ./data/pkg.tar.gz)}/file.txt"
