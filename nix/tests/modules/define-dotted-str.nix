{
  "x.y" = "str";
}
