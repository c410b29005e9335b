builtins.attrNames (builtins.removeAttrs { a = throw "x"; b = throw "y"; } [ "a" ])
