builtins.functionArgs { __functor = self: { q ? 1 }: q; }
