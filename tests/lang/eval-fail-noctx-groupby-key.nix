builtins.groupBy (x: if x == 2 then "${builtins.toFile "x" "hi"}" else "a") [ 1 2 ]
