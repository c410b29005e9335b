{
  value = "c";
}
