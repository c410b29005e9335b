# A call's frame is reused for a later call only when nothing kept it: a returned
# function, a lazy argument, an unevaluated list element or attribute of the result all
# keep the frame of the call that made them, whatever runs after.
let
  adder = x: y: x + y;
  add1 = adder 1;
  add2 = adder 2;
  lazyPair = x: { first = x; later = [ (x * 10) ]; };
  p = lazyPair 3;
  q = lazyPair 4;
  id = x: x;
  deep = n: if n == 0 then [ ] else [ (id n) ] ++ deep (n - 1);
  fns = map (i: j: i * 100 + j) [ 1 2 3 ];
in [
  (add1 10)
  (add2 20)
  (add1 30)
  p.later
  q.later
  p.first
  (deep 4)
  (map (f: f 5) fns)
  (builtins.foldl' (acc: x: acc ++ [ (id x) ]) [ ] [ 7 8 9 ])
  ((x: (y: x) 0) 42)
]
