{
  value = true;
}
