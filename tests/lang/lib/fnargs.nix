{ a ? 1, b ? a + 1 }: { inherit a b; }
