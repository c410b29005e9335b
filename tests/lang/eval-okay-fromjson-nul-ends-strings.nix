builtins.fromJSON "{ \"key\": [ \"a\\u0000b\", \"\\u0000\" ] }"
