{
  machines.alpha.prot = 1;
}
