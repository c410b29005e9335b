let f = { __functor = self: x: "${self.p}${x}"; p = ">"; }; in map f [ "a" "b" ]
