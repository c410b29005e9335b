# A newline in a store path name is shown as it is in the message, as Nix shows it.
builtins.toFile "ab\ncd" "text"
