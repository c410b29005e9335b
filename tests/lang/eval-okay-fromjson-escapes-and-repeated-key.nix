builtins.fromJSON "{ \"a\": 1, \"b\": [ \"\\u00e9\\ud83d\\ude00\\/\" ], \"a\": 2 }"
