let s = builtins.currentSystem; in [ (builtins.isString s) (builtins.match ".*-linux" s != null) ]
