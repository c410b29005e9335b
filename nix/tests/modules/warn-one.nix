{
  warnings = [ "be careful with this" ];
}
