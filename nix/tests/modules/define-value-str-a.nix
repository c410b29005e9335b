{
  value = "a";
}
