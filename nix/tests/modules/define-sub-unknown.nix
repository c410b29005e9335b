{
  sub.zzz = 1;
}
