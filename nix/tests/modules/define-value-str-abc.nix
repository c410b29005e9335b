{
  value = "abc";
}
