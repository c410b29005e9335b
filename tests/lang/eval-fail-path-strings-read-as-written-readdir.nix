builtins.readDir "${toString ./data}/missing/.."
