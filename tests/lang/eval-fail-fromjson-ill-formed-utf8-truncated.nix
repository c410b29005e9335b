# A 4-byte character cut after 3 bytes, then an ASCII byte.
builtins.fromJSON "\"${builtins.substring 0 3 "😀"}x\""
