builtins.path { path = ./.; recursive = false; }
