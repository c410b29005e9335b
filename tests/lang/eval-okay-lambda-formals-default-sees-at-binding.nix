(s@{ a ? 1, b ? s.a or "no-a" }: b) { a = 2; }
