let fix = f: let x = f x; in x; in (fix (self: { a = [ 1 self.b ]; b = 2; c = builtins.length self.a; })).c
