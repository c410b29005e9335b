builtins.fromJSON "{ bad json"
