# Evaluates a list of module files with nest's lib, for the cases of cases.txt.
{ modules, specialArgs ? { } }:
let lib = import ../lib; in
lib.evalModules { inherit modules specialArgs; }
