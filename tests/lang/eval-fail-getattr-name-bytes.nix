# A missing attribute's name is quoted with its bytes as they are.
builtins.getAttr ("a" + builtins.substring 0 1 "é") { a = 1; }
