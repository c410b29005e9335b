let r = builtins.tryEval { a = 1; }; in r.value.a
