let a = "x"; in "outer ${"inner ${a} ${"deep ${a}"}"} end"
