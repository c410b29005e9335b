let p = builtins.fetchTarball ("file://" + toString ./data/tarballs/proj.tar.gz); in
[ p (builtins.readDir p) (builtins.readDir (p + "/sub")) (builtins.readFile (p + "/link")) (builtins.readFile (p + "/sub/same")) (builtins.pathExists (p + "/nope")) ]
