{
  value = { a = 2; };
}
