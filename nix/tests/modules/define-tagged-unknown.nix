{
  tagged.pipe = "x";
}
