{
  tagged.port = "eighty";
}
