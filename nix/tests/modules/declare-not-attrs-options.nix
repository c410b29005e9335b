{
  options = 5;
}
