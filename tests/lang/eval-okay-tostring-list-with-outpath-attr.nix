toString [ { outPath = "/a"; } "b" 3 ]
