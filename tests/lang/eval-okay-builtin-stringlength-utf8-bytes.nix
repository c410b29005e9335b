builtins.stringLength "日本"
