with { x = "outer"; y = "y-outer"; }; with { x = "inner"; }; [ x y ]
