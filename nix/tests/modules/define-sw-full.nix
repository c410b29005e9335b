{
  swFull.config.s = 2;
}
