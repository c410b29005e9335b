let mapRec = f: set: builtins.mapAttrs (n: v: if builtins.isAttrs v then mapRec f v else f v) set; in mapRec (x: x * 10) { a = 1; b = { c = 2; d = { e = 3; }; }; }
