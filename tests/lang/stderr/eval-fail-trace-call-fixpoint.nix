let fix = f: let x = f x; in x; in fix (self: { a = self.b + 1; b = "x"; }).a
