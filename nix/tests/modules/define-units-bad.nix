{
  units."backup.service".onCalendar = "daily";
}
