let x = 1; in { y = 2; inherit z; }
