let a = { b = a; }; in a
