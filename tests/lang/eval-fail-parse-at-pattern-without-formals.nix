x @ y: 1
