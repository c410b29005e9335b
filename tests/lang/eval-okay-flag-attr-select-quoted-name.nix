{ "a.b" = { c = "quoted path"; }; a = { b = { c = "unquoted"; }; }; }
