builtins.fromTOML "mlit = '''\nraw\\n\n  kept'''\n"
