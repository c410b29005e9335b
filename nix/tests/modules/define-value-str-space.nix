{
  value = " \t ";
}
