builtins.fromJSON ''{ "a": {}, "b": [], "c": [[]] }''
