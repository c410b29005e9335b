let p = builtins.fetchTarball ("file://" + toString ./data/tarballs/proj.tar.gz); in
[ (builtins.path { path = p + "/sub"; name = "sub"; }) "${p + "/bin"}" (builtins.filterSource (path: type: type != "symlink") p) ]
