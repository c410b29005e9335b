import ./lib/double.nix "str"
