with builtins; [ (compareVersions "1.0pre" "1.0") (compareVersions "1.0" "1.0.pre") (compareVersions "1.0pre" "1.0a") ]
