builtins.derivationStrict {
  name = "a";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashMode = "deep";
  outputHash = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
}
