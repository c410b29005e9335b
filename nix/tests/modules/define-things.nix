{
  things = { count = 1; name = "x"; listA = [ "a" ]; };
}
