{
  notAnOption = 1;
}
