let one = 1; in ((2 - one)) 1
