''
  newline:''\n
  tab:''\t
  cr:''\r
  backslash-q:''\q
  plain \n stays
''
