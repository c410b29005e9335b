{
  tagged.port = 80;
}
