let
  x = 1;
in
  x + "string"
