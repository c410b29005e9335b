./data/../data/./dir/a.txt
