# A float literal beyond the largest double is an error of the lexer.
[ 1.0 1.0e400 ]
