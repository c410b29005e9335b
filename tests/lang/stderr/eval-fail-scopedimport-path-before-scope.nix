builtins.scopedImport 1 [ ]
