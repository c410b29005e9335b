with builtins; [ (match "" "") (match "()" "") (match "" "x") ]
