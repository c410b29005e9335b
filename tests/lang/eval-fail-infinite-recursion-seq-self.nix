let a = builtins.seq a 1; in a
