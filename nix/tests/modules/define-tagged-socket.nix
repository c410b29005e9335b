{
  tagged.socket = "/run/s";
}
