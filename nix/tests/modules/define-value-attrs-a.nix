{
  value = { a = 1; };
}
