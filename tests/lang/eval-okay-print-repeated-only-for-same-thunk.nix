let a = { x = 1; }; in [ a { x = 1; } a ]
