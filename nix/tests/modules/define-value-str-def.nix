{
  value = "def";
}
