{
  free = 42;
}
