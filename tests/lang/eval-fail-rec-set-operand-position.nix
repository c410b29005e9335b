# An operator whose left operand is a `rec` set starts where `rec` does (the set
# itself is placed at its `{`): `+` fails here at the `rec`, column 5.
1 + rec { a = 1; } // 2
