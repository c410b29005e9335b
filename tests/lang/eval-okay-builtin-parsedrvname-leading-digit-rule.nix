map (s: (builtins.parseDrvName s).version) [ "a-b-c-1" "python3.10-foo-2.0" "x-1-y" "name-v2" ]
