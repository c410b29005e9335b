''   
  body
''
