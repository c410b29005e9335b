builtins.sort builtins.lessThan [ "é" "z" "a" "Z" "" ]
