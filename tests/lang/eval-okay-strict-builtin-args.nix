# Builtins that force arguments at once (length, seq, tail, isAttrs, map's list,
# addErrorContext's body): errors are still caught by tryEval, a trace inside still
# comes out in evaluation order, and a variable passed on is still shared.
let
  t = e: (builtins.tryEval e).success;
  l = [ 1 2 3 ];
  shared = builtins.map (x: x + 1) l;
in [
  (t (builtins.length (throw "x")))
  (t (builtins.seq (assert false; 1) 2))
  (t (builtins.addErrorContext "ctx" (builtins.length (throw "y"))))
  (builtins.addErrorContext "ctx" (builtins.length [ 1 2 ]))
  (builtins.length (builtins.trace "first" (builtins.tail (builtins.trace "second" l))))
  (builtins.isAttrs (builtins.trace "third" { }))
  (builtins.seq shared ([ shared ] == [ shared ]))
  (builtins.head (builtins.map (x: x * 2) (builtins.tail l)))
  (builtins.foldl' (a: b: a + b) (builtins.length l) (builtins.concatLists [ l l ]))
  (builtins.concatStringsSep "," (builtins.attrNames (builtins.removeAttrs { a = 1; b = 2; c = 3; } [ "b" ])))
  (builtins.typeOf (builtins.genList (x: x) (builtins.length l)))
]
