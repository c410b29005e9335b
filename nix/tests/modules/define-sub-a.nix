{
  sub.a = 5;
  sub.b = [ "x" ];
}
