let
  f = x: "v${toString (x.missing)}";
in
f { }
