# A cycle through arguments that builtins force at once: reported where Nix reports it.
let d = builtins.isInt (builtins.seq (builtins.length [ d ]) (builtins.head [ (d) ])); in d
