[ (builtins.match "[[:alnum:]]+" "abc123") (builtins.match "[[:punct:]]+" "!?.") (builtins.match "[[:xdigit:]]+" "deadBEEF") ]
