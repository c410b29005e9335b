let inner = { __functor = self: x: x + 1; }; outer = { __functor = self: inner; }; in outer 1
