{ a = 1; b = throw "not forced"; }.a
