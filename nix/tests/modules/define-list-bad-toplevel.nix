{
  config.list = [ "x" ];
  list2 = 1;
}
