(args@{ x ? "default" }: args) { }
