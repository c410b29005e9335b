# `0.` is the integer 0 and a dot, which must be followed by an attribute name.
[ 0. ]
