let fix = f: let x = f x; in x; base = self: { a = 1; b = self.a + 10; }; ext = self: super: { a = 5; }; in fix (self: let super = base self; in super // ext self super)
