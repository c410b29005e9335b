{ a = throw "compared"; } == { a = 1; }
