{ "if" = 1; "then" = 2; "rec" = 3; "let" = 4; "or" = 5; "true" = 6; "null" = 7; }
