let o = { __toString = self: "I am ${self.n}"; n = "obj"; }; in "${o}!"
