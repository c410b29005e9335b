{
  value = x: x * 2;
}
