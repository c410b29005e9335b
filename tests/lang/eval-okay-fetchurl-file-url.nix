builtins.fetchurl ("file://" + toString ./data/hello.txt)
