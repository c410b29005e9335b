"not a function"
