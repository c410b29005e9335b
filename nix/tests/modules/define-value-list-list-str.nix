{
  value = [ [ "a" ] [ "b" "c" ] ];
}
