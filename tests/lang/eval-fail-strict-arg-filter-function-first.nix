# filter forces its function before its list, both before anything else.
builtins.filter (throw "the function") (throw "the list")
