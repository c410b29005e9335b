{
  value = { a = { b = [ 1 2 ]; c = "x"; }; d = true; };
}
