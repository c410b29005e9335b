[ (builtins.substring 1 2 "ab") (builtins.stringLength (builtins.substring 0 2 "é")) ]
