({ x ? y, y ? "why" }: x) { }
