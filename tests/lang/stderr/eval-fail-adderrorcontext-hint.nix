builtins.addErrorContext "while doing a thing" (throw "inner")
