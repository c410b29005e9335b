{ a = 1; } == { a = 1; b = throw "not compared"; }
