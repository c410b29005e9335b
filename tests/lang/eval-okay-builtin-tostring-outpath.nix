toString { outPath = "/the/out/path"; }
