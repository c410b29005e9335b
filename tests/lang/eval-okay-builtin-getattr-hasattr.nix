with builtins; let s = { x = 1; "y z" = 2; }; in [ (getAttr "x" s) (getAttr "y z" s) (hasAttr "x" s) (hasAttr "q" s) ]
