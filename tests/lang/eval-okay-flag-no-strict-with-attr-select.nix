{ inner = { x = 1 + 1; }; }
