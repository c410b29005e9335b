{ f = x: x; p = ./data; }
