let d = "dir"; in ./data/${d}/a.txt
