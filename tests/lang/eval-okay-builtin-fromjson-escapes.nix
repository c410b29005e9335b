builtins.fromJSON ''"a\"b\\c\/d\ne\tf\u0041\u00e9\u2713"''
