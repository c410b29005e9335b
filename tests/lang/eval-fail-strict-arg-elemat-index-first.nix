# elemAt forces the index before the list (Nix 2.8).
builtins.elemAt (throw "the list") (throw "the index")
