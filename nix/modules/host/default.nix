# nest's host modules: what a host config (the file given to `nest switch`) is
# evaluated with.
[ ./containers.nix ./networking.nix ]
