builtins.toXML { l = [ [ 1 ] { } ]; }
