{
  value = -129;
}
