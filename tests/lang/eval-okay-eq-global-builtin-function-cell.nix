# Nix compares list elements and attribute values by their cell first: a global
# built-in function (`map`) is one cell in the base environment, so a list or set
# holding it twice compares equal, while two selections (`builtins.head`) are two
# cells and do not.
[
  ([ map ] == [ map ])
  ({ a = toString; } == { a = toString; })
  (let f = map; in [ f ] == [ f ])
  ([ builtins.head ] == [ builtins.head ])
  (let f = builtins.head; in [ f ] == [ f ])
]
