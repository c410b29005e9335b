# An entry without `path`: the error is at the entry's set.
builtins.findFile [ { prefix = "x"; } ] "x"
