let y = 2; inherit (y) z; in z
