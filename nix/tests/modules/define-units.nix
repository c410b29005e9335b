{
  units."backup.timer".onCalendar = "daily";
  units."backup.service" = { };
}
