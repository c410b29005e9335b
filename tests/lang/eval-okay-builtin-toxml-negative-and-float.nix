builtins.toXML [ (-5) (1.0 / 3) 100.0 ]
