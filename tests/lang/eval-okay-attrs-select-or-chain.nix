let s = { a = { }; }; in s.a.b.c or s.a.d or "second"
