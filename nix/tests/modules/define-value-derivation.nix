{
  value = { type = "derivation"; name = "hello-1.0"; outPath = "/nix/store/x-hello"; };
}
