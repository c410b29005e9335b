{
  value = { a = [ 1 ]; };
}
