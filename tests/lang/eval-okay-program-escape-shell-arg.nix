let escape = s: "'" + builtins.replaceStrings [ "'" ] [ "'\\''" ] s + "'"; in map escape [ "plain" "it's" "" ]
