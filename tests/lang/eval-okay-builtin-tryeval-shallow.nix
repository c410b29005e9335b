builtins.tryEval { a = throw "inner not forced"; }
