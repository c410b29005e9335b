let fn = { x }: x; in fn { }
