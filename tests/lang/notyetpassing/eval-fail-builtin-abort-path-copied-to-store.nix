abort ./data/hello.txt
