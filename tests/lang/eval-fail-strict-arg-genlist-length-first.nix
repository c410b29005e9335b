# genList forces the length at the call, not the function.
builtins.genList (throw "the function") (throw "the length")
