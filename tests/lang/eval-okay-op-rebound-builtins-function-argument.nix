# The builtin an operator calls may also be bound by a function's argument.
let f = { __sub, __lessThan ? builtins.lessThan }: [ (10 - 3) (1 < 2) ]; in
f { __sub = a: b: a + b; }
