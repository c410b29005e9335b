({ a }: with { a = "with"; }; a) { a = "formal"; }
