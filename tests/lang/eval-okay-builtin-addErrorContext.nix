builtins.addErrorContext "some context" 7
