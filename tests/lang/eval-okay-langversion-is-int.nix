builtins.isInt builtins.langVersion
