{
  value = 255;
}
