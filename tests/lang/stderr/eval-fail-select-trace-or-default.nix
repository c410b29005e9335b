{ a = { }; }.a.b or (throw "default")
