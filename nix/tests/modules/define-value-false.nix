{
  value = false;
}
