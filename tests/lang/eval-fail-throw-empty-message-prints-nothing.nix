let x = throw ""; in x + 1
