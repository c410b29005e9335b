# Derivations depending on earlier ones through their default output and through a
# second output: each one's paths depend on the modulo hashes recorded for the
# derivations it uses.
let
  mk = name: extra: derivation ({ inherit name; system = "x86_64-linux"; builder = "/bin/sh"; } // extra);
  a = mk "a" { src = builtins.toFile "a-src" "hello"; };
  b = mk "b" { dep = a; outputs = [ "out" "dev" ]; };
  c = mk "c" { dev = "${b.dev}/include"; args = [ b a ]; };
  d = mk "d" { deps = [ c b.dev ]; };
in [ a.drvPath b.drvPath "${b.dev}" c.drvPath c.outPath d.drvPath d.outPath ]
