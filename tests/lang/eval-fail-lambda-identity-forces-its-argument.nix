let
  id = x: x;
in
id (id { }.missing)
