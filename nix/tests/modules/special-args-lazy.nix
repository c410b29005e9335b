{ unusedSpecial = throw "never forced"; foo = "lazy-special"; }
