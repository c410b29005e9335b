x: x + z
