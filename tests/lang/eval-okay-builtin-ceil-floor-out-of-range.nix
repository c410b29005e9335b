[ (builtins.ceil 9223372036854775807) (builtins.floor 9007199254740993) (builtins.ceil (-1.0e300)) (builtins.floor 1.0e300) (builtins.ceil (-0.5)) (builtins.floor 2) ]
