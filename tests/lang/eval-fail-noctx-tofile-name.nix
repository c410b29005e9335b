# A string that refers to a store path is not allowed here.
let c = builtins.toFile "x" "hi"; in
builtins.toFile "${c}" "x"
