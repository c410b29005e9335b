builtins.toXML { outPath = "/o"; }
