builtins.derivationStrict {
  name = "a";
  system = "x86_64-linux";
  builder = "/bin/sh";
  args = [ "-c" (x: x) ];
}
