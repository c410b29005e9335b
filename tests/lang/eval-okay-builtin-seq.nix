with builtins; [ (seq 1 2) (seq { a = throw "shallow"; } "ok") (seq [ (throw "elements not forced") ] 3) ]
