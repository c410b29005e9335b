let
  ok = 1;
  broken = ok + "x";
  list = [ ok broken ];
in
builtins.elemAt list 1
