# `scopedImport`'s set is the imported file's outermost scope: a `__sub` there is what
# its minus signs call. A plain import of the same file uses the builtin.
[ (scopedImport { __sub = a: b: "sub"; } ./lib/minus.nix) (import ./lib/minus.nix) ]
