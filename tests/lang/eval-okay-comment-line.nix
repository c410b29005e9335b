# a comment
1 # trailing
+ 2
