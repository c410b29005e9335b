let a = "x"; b = "y"; in { ${a}.${b} = 1; ${a}.z = 2; }
