derivation {
  name = "a";
  outputs = [ "out" "${builtins.toFile "x" "hi"}" ];
  builder = "/bin/sh";
  system = "x";
}
