let n = "dyn"; in { ${n} = 1; "${n}2" = 2; "static" = 3; }
