builtins.trace "a trace message" 123
