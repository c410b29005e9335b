builtins.functionArgs builtins.map
