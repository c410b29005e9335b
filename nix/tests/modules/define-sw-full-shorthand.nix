{
  swFull.s = 3;
}
