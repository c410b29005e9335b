builtins.elemAt [ (throw "no") 2 (throw "no") ] 1
