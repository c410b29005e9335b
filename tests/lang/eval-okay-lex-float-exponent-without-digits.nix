# An `e` (or `E`) with no digits after it does not belong to the float before it:
# `1.5e` is the float 1.5 and then the variable `e`, `1.5e-` the float and `e-`.
let e = 1; E = 2; e- = 3; ea = 4; in
[ 1.5e .5e 1.5E 2.e 1.5e- 1.5ea 1.5e3 1.5e+2 ]
