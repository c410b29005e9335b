builtins.sort ({ a }: b: true) [ 1 2 ]
