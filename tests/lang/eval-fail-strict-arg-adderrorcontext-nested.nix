# An error inside an argument a builtin forces at once still passes addErrorContext.
builtins.addErrorContext "while checking the outer length" (builtins.length (builtins.addErrorContext "while making the list" (builtins.map (x: x) (throw "no list"))))
