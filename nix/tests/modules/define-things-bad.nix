{
  things.count = "one";
}
