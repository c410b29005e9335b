builtins.appendContext "x" {
  "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x" = { allOutputs = true; };
}
