builtins.attrValues { z = "last"; a = "first"; m = "mid"; }
