let f = n: if n == 0 then 1 + "a" else f (n - 1); in f 3
