{
  disabledModules = [ (x: x) ];
}
