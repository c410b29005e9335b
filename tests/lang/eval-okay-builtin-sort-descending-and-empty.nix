with builtins; [ (sort (a: b: a > b) [ 1 3 2 ]) (sort lessThan [ ]) (sort lessThan [ 42 ]) ]
