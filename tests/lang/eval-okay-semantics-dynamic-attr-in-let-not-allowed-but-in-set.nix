let k = "z"; in { ${k} = 1; }.z
