# A string that is not an absolute path is quoted with its bytes as they are.
builtins.readFile ("rel/" + builtins.substring 0 1 "é")
