# An attribute name holding half of "é" (one byte, 0xc3). nest's names are text, so
# the byte becomes U+FFFD there; string values keep it (eval-okay-strings-bytes).
let half = builtins.substring 0 1 "é"; in
{ names = builtins.attrNames { ${half} = 1; "${half}x" = 2; }; }
