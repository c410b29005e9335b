{
  value = [ 3 ];
}
