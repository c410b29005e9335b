''first line
  second''
