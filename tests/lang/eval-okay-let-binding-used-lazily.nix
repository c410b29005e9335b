# let bindings and default arguments are evaluated on first use and shared by every
# use: a binding that throws can be tried again, a binding referred to (not forced)
# while it is being evaluated sees its final value, unused ones are never evaluated.
let
  bad = throw "bad";
  self = { next = self; n = 1; };
  pair = { a = pair.b + 1; b = 2; };
  lazyRef = let x = { inner = x; v = 7; }; in x.inner.inner.v;
  unused = abort "never";
  counted = builtins.length [ shared shared ];
  shared = builtins.genList (i: i * i) 3;
  f = { a ? b * 2, b ? 3, c ? abort "unused default" }: a + b;
  g = { x, y ? x + 1 }@args: [ y args ];
in
[
  (builtins.tryEval bad)
  (builtins.tryEval bad)
  self.next.next.next.n
  pair.a
  lazyRef
  counted
  shared
  (f { })
  (f { b = 10; })
  (f { a = 1; })
  (g { x = 4; })
]
