builtins.throw "through builtins"
