# A relative search-path entry given to findFile is taken relative to the working
# directory (the suite runs in the repository's root).
builtins.findFile [ { prefix = "d"; path = "tests/lang/data"; } ] "d/hello.txt"
