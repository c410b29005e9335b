# A string given to pathExists (or readFile, readDir, hashFile, import) is used as
# written, not made canonical first: a file followed by `/` or `/.` is not there, and
# `..` after a missing directory leads nowhere. A path value is canonical already
# (`+` of a path and a string makes it so).
let d = toString ./data; in
[
  (builtins.pathExists "${d}/hello.txt")
  (builtins.pathExists "${d}/hello.txt/")
  (builtins.pathExists "${d}/hello.txt/.")
  (builtins.pathExists "${d}/missing/../hello.txt")
  (builtins.pathExists "${d}/dir/../hello.txt")
  (builtins.pathExists (./data/hello.txt + "/."))
  (builtins.readFile "${d}/dir/../hello.txt")
]
