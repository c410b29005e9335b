# `seq a b` forces `a` before it evaluates `b`, also when `a` is a variable: the
# error is `a`'s.
let a = throw "the first"; in builtins.seq a (throw "the second")
