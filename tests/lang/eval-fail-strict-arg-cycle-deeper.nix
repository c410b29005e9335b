# The same cycle one call deeper, through a list the builtin forces.
let e = builtins.length (builtins.concatLists [ [ 1 ] (builtins.tail [ 1 (builtins.seq e 2) ]) ]) + builtins.head (builtins.tail [ 1 (builtins.seq e 2) ]); in e
