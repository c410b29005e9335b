builtins.filter (x: "yes") [ 1 ]
