with builtins; [ (foldl' (acc: x: acc + x) 0 [ 1 2 3 4 ]) (foldl' (acc: x: acc ++ [ x ]) [ ] [ 1 2 ]) (foldl' (a: b: a - b) 10 [ 1 2 3 ]) (foldl' (a: b: b) "init" [ ]) ]
