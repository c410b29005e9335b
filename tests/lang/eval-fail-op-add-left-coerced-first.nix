(x: x) + (abort "right operand evaluated")
