{
  value = "/tmp/x";
}
