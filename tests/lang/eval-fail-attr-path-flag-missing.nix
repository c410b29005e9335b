{ present = 1; }
