{
  value = { a = null; };
}
