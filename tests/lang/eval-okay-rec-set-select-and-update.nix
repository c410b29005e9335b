# `rec` sets as operands: selection, `or`, `?`, `//` and `==`.
[
  rec { a = 1; b = a + 1; }.b
  (rec { a = 1; }.c or 3)
  (rec { a = 1; } ? a)
  (rec { a = 1; } // { b = 2; })
  (rec { a = 1; } == { a = 1; })
]
