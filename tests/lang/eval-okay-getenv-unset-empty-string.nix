builtins.stringLength (builtins.getEnv "NEST_DEFINITELY_UNSET_VARIABLE_123")
