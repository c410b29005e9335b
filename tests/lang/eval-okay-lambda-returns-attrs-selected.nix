((x: { out = x * 2; }) 21).out
