let s = { }; in s ? a -> s.a > 0
