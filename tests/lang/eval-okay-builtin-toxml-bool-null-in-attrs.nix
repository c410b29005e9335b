builtins.toXML { t = true; f = false; n = null; }
