{
  _file = "custom-file.nix";
  list = [ "f" ];
}
