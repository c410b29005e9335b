let f = "hello"; in builtins.readFile ./data/${f}.txt
