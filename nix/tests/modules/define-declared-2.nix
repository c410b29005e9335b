{
  declared = 2;
}
