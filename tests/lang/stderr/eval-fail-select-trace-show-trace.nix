let a = { b = { c = throw "deep"; }; }; in a.b.c
