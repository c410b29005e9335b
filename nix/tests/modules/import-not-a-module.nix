{
  imports = [ { _type = "flake"; } ];
}
