builtins.sort (a: b: builtins.compareVersions a b < 0) [ "1.10" "1.9" "1.2.3" "1.2" "2.0pre" "2.0" ]
