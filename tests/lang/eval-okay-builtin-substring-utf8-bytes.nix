builtins.substring 0 4 "café!"
