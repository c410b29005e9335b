builtins.readFile (./data/hello.txt + "/x")
