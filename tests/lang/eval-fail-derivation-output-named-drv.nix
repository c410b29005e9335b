derivation {
  system = "x86_64-linux";
  name = "o";
  builder = "/bin/sh";
  outputs = [ "out" "drv" ];
}
