let counter = { n = 0; __functor = self: x: self // { n = self.n + x; }; }; in ((counter 2) 3).n
