builtins.toJSON [ 1 (throw "json forced it") ]
