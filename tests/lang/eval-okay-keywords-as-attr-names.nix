[ { "if" = 1; "then" = 2; }."if" { or = 3; }.or { "in" = 4; }.${"in"} ]
