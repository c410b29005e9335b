''
  two quotes: '''
  end
''
