builtins.toXML { b = { c = "d"; }; a = [ ]; }
