# Printed without --strict: attributes evaluated in place print their values, the others
# print as unevaluated code, as Nix prints thunks.
let s = { a = 1 + 1; b = s.a; c = 3 + 3; d = [ (1 + 1) ]; }; in builtins.seq s.b s
