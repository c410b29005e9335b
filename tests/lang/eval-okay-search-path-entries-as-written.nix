# builtins.nixPath keeps the entries as written (relative ones stay relative); a
# look-up takes them relative to the working directory. A missing entry is skipped
# with a warning, once, and a miss is thrown (tryEval catches it).
[
  builtins.nixPath
  <x/hello.txt>
  (builtins.tryEval <y/z>).success
  (builtins.tryEval <y/z>).success
  (builtins.tryEval <nothing>).success
]
