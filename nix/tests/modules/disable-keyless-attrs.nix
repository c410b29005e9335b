{
  disabledModules = [ { list = [ ]; } ];
}
