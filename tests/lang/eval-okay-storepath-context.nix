builtins.getContext (builtins.storePath "/nix/store/9dn87nka7fqyh0lyncl74rhhlgy2dgwc-x.txt")
