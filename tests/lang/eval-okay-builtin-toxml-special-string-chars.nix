builtins.toXML [ "tab\there" "é" "a\rb" ]
