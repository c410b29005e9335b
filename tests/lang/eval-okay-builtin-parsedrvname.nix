with builtins; map parseDrvName [ "hello-2.10" "nix-unstable-2022-01-01" "foo" "foo-bar" "a-1b-2" "openssl-1.1.1w-dev" "-1" "x-" ]
