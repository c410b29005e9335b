"${./data/hello.txt + "/x"}"
