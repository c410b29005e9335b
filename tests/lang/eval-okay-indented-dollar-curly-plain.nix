''
  cost $5 and ${"interp"}
''
