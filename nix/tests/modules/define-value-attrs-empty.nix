{
  value = { };
}
