let a = "outer"; in ({ a ? "default", b ? a }: b) { }
