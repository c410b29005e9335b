let f = import ./lib/double.nix; in f (f 5)
