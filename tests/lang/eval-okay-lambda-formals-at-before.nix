(args@{ a, b ? 3 }: [ a b args ]) { a = 1; }
