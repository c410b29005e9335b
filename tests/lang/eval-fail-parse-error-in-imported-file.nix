import ./data/hello.txt
