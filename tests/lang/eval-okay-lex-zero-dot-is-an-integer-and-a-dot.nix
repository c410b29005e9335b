# `0.` is not a float: without a digit after the dot, `0` is an integer and the dot
# selects from it (here with a default). `1.` and `0.5` are floats.
[ (0.a or "default") 1. 0.5 10. ]
