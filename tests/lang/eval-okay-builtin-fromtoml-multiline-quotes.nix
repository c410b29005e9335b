builtins.fromTOML "a = \"\"\"\nx\"\"\"\"\"\nb = '''y'''''\nc = \"\"\"p \\\n    q\"\"\""
