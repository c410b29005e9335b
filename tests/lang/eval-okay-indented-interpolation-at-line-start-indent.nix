let x = "val"; in ''
    ${x}
  y
''
