# Many derivations: a chain of 5000 derivations, each depending on the previous one.
with builtins;
let
  mk = i: prev: derivation {
    name = "pkg-${toString i}";
    system = "x86_64-linux";
    builder = "/bin/sh";
    args = [ "-c" "echo ${toString i} > $out" ];
    dep = prev;
  };
  chain = foldl' (prev: i: mk i prev) "" (genList (x: x) 5000);
in
chain.outPath
