{
  value = "only";
}
