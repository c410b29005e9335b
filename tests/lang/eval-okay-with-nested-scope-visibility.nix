let f = with { helper = x: x * 3; }; n: helper n; in f 4
