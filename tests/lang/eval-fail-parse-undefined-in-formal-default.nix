({ a ? undefinedDefault }: a) { }
