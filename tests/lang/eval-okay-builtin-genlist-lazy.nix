builtins.elemAt (builtins.genList (i: if i == 3 then "three" else throw "forced ${toString i}") 5) 3
