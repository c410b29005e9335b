let unused = throw "nope"; used = 7; in used
