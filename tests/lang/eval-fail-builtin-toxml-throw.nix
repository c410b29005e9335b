builtins.toXML { a = throw "xml forced it"; }
