{
  disabledModules = [ { key = "the-keyed-module"; } ];
}
