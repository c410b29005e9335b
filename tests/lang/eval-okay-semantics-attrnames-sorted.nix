builtins.attrNames { b = 1; a = 2; B = 3; "0" = 4; "a b" = 5; _x = 6; ab = 7; "é" = 8; }
