{
  documented = "set";
}
