{ a = { b = [ 1 (throw "deep inside") ]; }; }
