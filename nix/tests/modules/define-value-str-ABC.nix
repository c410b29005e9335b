{
  value = "ABC";
}
