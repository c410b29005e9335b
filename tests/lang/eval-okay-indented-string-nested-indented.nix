let inner = ''
    x
  ''; in ''
  outer
  ${inner}
''
