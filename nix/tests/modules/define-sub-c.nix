{
  sub.c = "see";
  sub.d = true;
}
