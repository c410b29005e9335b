builtins.div [ ] "x"
