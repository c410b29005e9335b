builtins.toFile "script.sh" ''
  #!/bin/sh
  echo hello
''
