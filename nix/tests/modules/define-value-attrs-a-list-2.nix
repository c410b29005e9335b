{
  value = { a = [ 2 ]; };
}
