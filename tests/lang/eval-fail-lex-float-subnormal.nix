# A float literal too small to be a normal double is also out of range, and it is
# reported before evaluation (the list is never forced).
let unused = [ 1.0e-320 ]; in 1
