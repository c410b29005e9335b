''
  one ''\r''\n
''
