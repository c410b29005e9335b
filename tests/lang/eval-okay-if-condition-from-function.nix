let isPos = n: n > 0; in if isPos 3 then "positive" else "not"
