/a/b//c
