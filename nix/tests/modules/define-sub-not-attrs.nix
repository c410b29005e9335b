{
  sub = 3;
}
