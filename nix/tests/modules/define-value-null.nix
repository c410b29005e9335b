{
  value = null;
}
