let p = "${builtins.toFile "x" "hi"}"; in
# Every part is coerced before the context is looked at.
/x/${p}/${{ }}
