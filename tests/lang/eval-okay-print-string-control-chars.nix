[ (builtins.fromJSON ''"\u0001\u001b[0m"'') "x\x07" ]
