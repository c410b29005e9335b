{ x ? 2 }: { result = x * 21; }
