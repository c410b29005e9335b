let xs = [ (builtins.elemAt xs 0) ]; in xs
