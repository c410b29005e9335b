with builtins; [ (dirOf "/a/b/c") (dirOf "/a/b/") (dirOf "c") (dirOf "/") (dirOf "a/b") (dirOf "") ]
