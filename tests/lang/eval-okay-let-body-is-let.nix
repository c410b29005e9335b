let a = 1; in let b = a + 1; in let c = b + 1; in [ a b c ]
