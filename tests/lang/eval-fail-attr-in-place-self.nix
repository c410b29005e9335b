let s = { a = s.a + 1; }; in s.a
