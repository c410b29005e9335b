"prefix-" + ./data/hello.txt
