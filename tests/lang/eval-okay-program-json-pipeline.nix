let data = builtins.fromJSON ''[{"n":"b","v":2},{"n":"a","v":1}]''; in builtins.toJSON (builtins.listToAttrs (map (e: { name = e.n; value = e.v * 100; }) data))
