{
  value = { a = "x"; };
}
