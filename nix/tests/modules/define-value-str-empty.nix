{
  value = "";
}
