{ ok = 1; bad = throw "never printed"; l = [ (throw "nor this") ]; }
