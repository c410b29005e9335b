(if false then (x: "a") else (x: "b")) null
