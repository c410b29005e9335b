let
  x = 1;
in
    __curPos
