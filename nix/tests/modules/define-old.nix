{
  old = 5;
}
