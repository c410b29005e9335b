map builtins.typeOf [ (builtins.ceil 1) (builtins.floor 1.5) ]
