builtins.toJSON [ true false ]
