[ (builtins.match "[\\]+" "\\\\") (builtins.match "[]a]+" "]a]") (builtins.match "[a[]+" "[a") (builtins.match "[a-]+" "-a") (builtins.match "x\\{2}" "x{2}") (builtins.match "[[:digit:]-]+" "1-2") ]
