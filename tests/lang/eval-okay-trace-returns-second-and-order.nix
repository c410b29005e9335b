builtins.trace "first" (builtins.trace "second" "value")
