builtins.attrNames { ${./data/hello.txt} = 1; }
