{
  sub.b = [ "y" ];
}
