let x = 5; in let inherit x; in x
