builtins.pathExists <x/hello.txt>
