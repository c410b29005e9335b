builtins.findFile [ 1 ] (throw "name last")
