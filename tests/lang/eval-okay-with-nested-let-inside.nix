with { a = 1; }; let b = a + 1; in with { c = 3; }; a + b + c
