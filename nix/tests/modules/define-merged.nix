{
  merged.one = { };
  merged.two.y = 3;
  e = "b";
}
