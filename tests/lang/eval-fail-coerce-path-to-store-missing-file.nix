"${./data/missing-file}"
