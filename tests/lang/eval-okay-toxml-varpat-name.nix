# toXML names a plain lambda's argument (and the `@` name of a pattern).
builtins.toXML { f = self: self; g = { a, ... }@args: a; h = x: y: x; }
