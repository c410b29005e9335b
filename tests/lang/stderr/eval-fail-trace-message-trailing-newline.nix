let f = x: { a = throw "msg\n"; }; in (f 1).a
