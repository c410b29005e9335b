builtins.path { path = ./data/hello.txt; sha256 = "0ix4jahrkll5zg01wandq78jw3ab30q4nscph67rniqg5x7r0j59"; }
