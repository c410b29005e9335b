{ value = "dir default"; sub = import ./sub.nix; }
