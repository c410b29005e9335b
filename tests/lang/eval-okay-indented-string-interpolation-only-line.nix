let a = "A"; in ''
  ${a}
''
