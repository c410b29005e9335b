toString { __toString = self: ./data/hello.txt; }
