let base = 10; in ({ x ? base + 1 }: x) { }
