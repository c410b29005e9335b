# Benchmark stand-in: the assertions/warnings options, from nest's lib.
{ lib, ... }: { imports = [ lib.modules.assertionsModule ]; }
