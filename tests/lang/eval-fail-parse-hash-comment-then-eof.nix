(1 # comment
