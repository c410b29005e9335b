{
  settings.name = "x";
}
