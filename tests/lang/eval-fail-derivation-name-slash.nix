# The same through `derivation`, whose wrapper adds trace frames (hence the hint).
(derivation { name = "a/b"; system = "x"; builder = "/b"; }).outPath
