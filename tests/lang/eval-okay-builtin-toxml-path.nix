builtins.toXML ./data/hello.txt
