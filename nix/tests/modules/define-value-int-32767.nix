{
  value = 32767;
}
