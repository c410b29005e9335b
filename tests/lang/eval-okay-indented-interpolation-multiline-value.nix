let v = "one\ntwo"; in ''
  start
    ${v}
  end
''
