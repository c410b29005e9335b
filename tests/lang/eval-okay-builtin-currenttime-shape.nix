[ (builtins.isInt builtins.currentTime) (builtins.currentTime > 1600000000) ]
