builtins.replaceStrings [ " " "\n" ] [ "" "" ] "a b\nc d"
