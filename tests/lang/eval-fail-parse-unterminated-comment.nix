1 /* open comment
