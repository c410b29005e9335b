{
  oldPort = 8080;
}
