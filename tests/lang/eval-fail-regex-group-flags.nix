# `(?` starts no group in POSIX regular expressions (no flags, no `(?:`).
builtins.match "(?i)abc" "ABC"
