let s = builtins.appendContext "/nix/store/9dn87nka7fqyh0lyncl74rhhlgy2dgwc-x.txt" { "/nix/store/9dn87nka7fqyh0lyncl74rhhlgy2dgwc-x.txt" = { path = true; }; }; in builtins.getContext s
