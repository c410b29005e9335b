[ "${./data/dir/a.txt}" "${./data/dir/sub}" ]
