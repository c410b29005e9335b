{
  sub.a = "five";
}
