# A continuation byte with no lead byte (the second half of "é").
builtins.fromJSON "\"${builtins.substring 1 1 "é"}\""
