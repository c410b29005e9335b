{ a = 1; b = [ "x" null true 2.5 ]; c = { d = { }; }; }
