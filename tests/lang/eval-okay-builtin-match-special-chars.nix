builtins.match "[$][{]([^}]*)[}]" "\${name}"
