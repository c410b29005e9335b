[ ./a+b_c-d.e ./data/dir/../dir ]
