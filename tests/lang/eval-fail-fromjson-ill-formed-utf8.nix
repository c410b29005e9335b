# JSON text must be UTF-8: a string holding half of "é" is rejected where the bad
# byte is, as the reader Nix uses rejects it.
builtins.fromJSON "[\"a${builtins.substring 0 1 "é"}b\"]"
