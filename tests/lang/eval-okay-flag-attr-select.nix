{ a = throw "not selected"; b = { c = [ 1 2 ]; }; }
