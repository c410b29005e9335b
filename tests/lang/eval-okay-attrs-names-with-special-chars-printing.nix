{ "with-dash" = 1; "with'quote" = 2; "1abc" = 3; "a.b" = 4; "${"dyn"}" = 5; "__x" = 6; "x-" = 7; }
