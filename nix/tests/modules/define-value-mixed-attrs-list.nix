{
  value = [ 1 ];
}
