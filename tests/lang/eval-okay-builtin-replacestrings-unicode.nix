builtins.replaceStrings [ "é" ] [ "e" ] "café résumé"
