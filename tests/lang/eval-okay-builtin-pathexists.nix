with builtins; [ (pathExists ./data/hello.txt) (pathExists ./data/nope) (pathExists ./data/dir) (pathExists (toString ./data/dir/a.txt)) (pathExists /nonexistent-nest-path) ]
