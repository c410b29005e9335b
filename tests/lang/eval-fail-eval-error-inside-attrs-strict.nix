{ a = 1; b = { c = 1 + true; }; }
