{
  list = [ "c" ];
}
