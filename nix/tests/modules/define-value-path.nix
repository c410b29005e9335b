{
  value = /tmp;
}
