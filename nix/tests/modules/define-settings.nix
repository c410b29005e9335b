{
  settings.workers = 4;
  settings.port = 8080;
}
