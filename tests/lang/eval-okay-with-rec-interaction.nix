with { a = "with-a"; }; rec { a = "rec-a"; b = a; }.b
