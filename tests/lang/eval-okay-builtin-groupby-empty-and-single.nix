[ (builtins.groupBy (x: x) [ ]) (builtins.groupBy (x: "k") [ 1 2 ]) ]
