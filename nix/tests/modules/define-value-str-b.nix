{
  value = "b";
}
