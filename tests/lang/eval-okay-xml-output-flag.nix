{ a = 1; b = [ "x" null ]; c = 2.5; }
