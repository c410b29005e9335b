# mapAttrs forces only the set at the call.
builtins.mapAttrs (throw "the function") (throw "the set")
