''
  hello
    world
  done
''
