builtins.match "(.*)" ""
