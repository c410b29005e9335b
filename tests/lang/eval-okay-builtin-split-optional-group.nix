builtins.split "(x)?y" "ayby"
