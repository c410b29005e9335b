# N trivial derivations, each referring to the previous one (a closure of N paths).
{ n ? 1000 }:
let
  step = prev: i: derivation {
    name = "chain-${toString i}";
    system = "x86_64-linux";
    builder = "/bin/sh";
    inherit prev;
    args = [ "-c" "echo ${toString i} $prev > $out" ];
  };
in builtins.foldl' step "" (builtins.genList (i: i) n)
