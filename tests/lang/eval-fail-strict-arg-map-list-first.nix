# map forces only its list at the call; the function is forced per element.
builtins.map (throw "the function") (throw "the list")
