let a = b; b = a; in "cycle not forced"
