with builtins; [ (bitAnd (-8) 15) (bitOr (-8) 3) (bitXor (-1) 0) ]
