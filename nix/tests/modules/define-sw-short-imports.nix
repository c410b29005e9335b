{
  swShort.imports = [ ];
}
