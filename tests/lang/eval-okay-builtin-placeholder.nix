with builtins; [ (placeholder "out") (placeholder "dev") ]
