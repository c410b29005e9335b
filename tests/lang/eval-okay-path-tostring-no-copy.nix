toString ./data/dir/a.txt
