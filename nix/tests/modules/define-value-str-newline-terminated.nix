{
  value = "abc\n";
}
