builtins.listToAttrs [ ({ name = "a"; } // { }) ]
