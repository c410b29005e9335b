[ (dirOf "/a//b") (dirOf "a/") (dirOf "/a") ]
