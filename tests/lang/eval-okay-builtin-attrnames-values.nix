with builtins; let s = { b = 2; a = 1; c = 3; }; in [ (attrNames s) (attrValues s) (attrNames { }) ]
