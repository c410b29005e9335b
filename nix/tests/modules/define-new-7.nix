{
  new = 7;
}
