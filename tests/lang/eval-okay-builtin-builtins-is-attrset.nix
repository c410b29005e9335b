[ (builtins.isAttrs builtins) (builtins.builtins ? map) (builtins ? true) (builtins ? null) ]
