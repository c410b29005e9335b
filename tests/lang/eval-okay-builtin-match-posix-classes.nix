with builtins; [ (match "[[:digit:]]+" "0123") (match "[[:alpha:]_][[:alnum:]_]*" "_id9") (match "[[:upper:]]+" "ABc") ]
