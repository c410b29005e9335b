# `div` forces its operands in order before checking the divisor: the first one's
# error is reported.
builtins.div ({ }).missing (throw "the divisor")
