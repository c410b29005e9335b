with builtins; [ (add 2 3) (sub 10 4) (mul 6 7) (div 17 5) (add 1.5 1) (div 1 2.0) (sub 0 5) ]
