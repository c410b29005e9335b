./data + "/hello.txt"
