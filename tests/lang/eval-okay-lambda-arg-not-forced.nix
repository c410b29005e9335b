(x: 5) (throw "not forced")
