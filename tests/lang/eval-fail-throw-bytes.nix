# `throw` writes its message's bytes as they are, also those that are not UTF-8 (the
# first byte of "é", then an "é" and a "✓" cut in two).
throw ("cut: " + builtins.substring 0 1 "é" + " and " + builtins.substring 1 3 "é✓")
