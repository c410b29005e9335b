{ __functor = self: x: x + "a"; } 1
