let f = x: { a = x; b = throw "lazy b"; }; in (f 1).a
