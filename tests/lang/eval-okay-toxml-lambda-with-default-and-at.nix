builtins.toXML (a@{ x ? 1, y }: x)
