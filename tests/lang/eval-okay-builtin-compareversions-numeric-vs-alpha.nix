with builtins; [ (compareVersions "1.2.3" "1.2.10") (compareVersions "1.2a" "1.2b") (compareVersions "1.0rc1" "1.0pre1") (compareVersions "2" "1.9.9") ]
