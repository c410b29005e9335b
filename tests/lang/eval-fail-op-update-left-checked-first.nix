1.5 // (throw "right operand evaluated")
