(builtins.listToAttrs [ { name = "d"; value = "first"; } { name = "d"; value = "second"; } ]).d
