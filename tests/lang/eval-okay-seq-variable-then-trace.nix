# `seq s (trace { n = s; } …)` forces `s` before the trace prints it: the trace shows
# the value, not `<CODE>`; and `s` is evaluated once (one "eval" line).
let s = builtins.trace "eval" (builtins.substring 0 3 "value"); in
builtins.seq s (builtins.trace { n = s; } (builtins.trace s "end"))
