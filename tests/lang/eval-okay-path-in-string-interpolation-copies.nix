"${./data/dir/a.txt}"
