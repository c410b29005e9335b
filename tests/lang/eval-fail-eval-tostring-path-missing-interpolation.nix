"${./data/nope/missing.txt}"
