{
  value = [ "x" ];
}
