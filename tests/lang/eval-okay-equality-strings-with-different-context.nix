builtins.toFile "ctx" "a" == "/nix/store/5b3iif5c8s6k0sgyz6mbjc6i1xvh1cmr-ctx"
