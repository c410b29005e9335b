# `+` coerces its left operand before it evaluates the right one: a set that cannot
# become a string is the error, not the failing assertion on the right.
{ } + (assert false; 1)
