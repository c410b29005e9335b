# A derivation attribute whose outPath is the set itself.
(derivation {
  name = "self";
  system = "x86_64-linux";
  builder = "/bin/sh";
  a = let s = { outPath = s; }; in s;
}).outPath
