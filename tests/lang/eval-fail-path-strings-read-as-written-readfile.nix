# `..` after a missing directory: the file system refuses the string as written.
builtins.readFile "${toString ./data}/missing/../hello.txt"
