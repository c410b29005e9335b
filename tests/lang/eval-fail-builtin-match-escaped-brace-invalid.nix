builtins.match "\\$\\{([^}]*)\\}" "\${name}"
