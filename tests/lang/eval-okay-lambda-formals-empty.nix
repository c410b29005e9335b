({ }: "empty formals") { }
