let x = "k"; in rec { ${x} = 1; other = 2; }
