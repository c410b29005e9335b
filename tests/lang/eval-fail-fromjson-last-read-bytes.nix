# The JSON reader's "last read" shows the bytes it read.
builtins.fromJSON ("[1, " + builtins.substring 0 1 "é" + "]")
