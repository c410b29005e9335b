({ a, b ? throw "unused default" }: a) { a = "ok"; }
