{
  things.name = "y";
}
