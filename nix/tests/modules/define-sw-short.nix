{
  swShort.s = 1;
}
