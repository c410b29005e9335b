builtins.elemAt "abc" null
