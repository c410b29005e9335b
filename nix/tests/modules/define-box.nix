{
  box.networking.hostName = "box";
}
