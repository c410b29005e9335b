let s = { a = 1; }; in if s ? a then s.b else 0
