{
  value = "a\nb";
}
