builtins.fromJSON "[ \"a\nb\" ]"
