builtins.fetchurl { url = "file://" + toString ./data/dir/a.txt; name = "renamed-a"; }
