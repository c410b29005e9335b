# `--strict --xml` of a set with __toString: the set's attributes, the function with its argument's name.
{ a = { __toString = s: "y"; b = 1; }; }
