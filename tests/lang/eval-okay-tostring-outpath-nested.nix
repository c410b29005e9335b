toString { outPath = { outPath = "/deep/out"; }; }
