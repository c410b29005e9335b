builtins.isString (builtins.getEnv "PATH")
