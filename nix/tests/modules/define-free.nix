{
  free = "yes";
  other = "also";
}
