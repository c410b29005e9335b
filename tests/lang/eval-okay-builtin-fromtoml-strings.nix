builtins.fromTOML ''
  basic = "tab\tquote\"uni\u00e9"
  literal = 'C:\path\no-escape'
  multi = """
  line1
  line2"""
''
