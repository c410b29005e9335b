{
  value = -128;
}
