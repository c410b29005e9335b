let min = -9223372036854775807 - 1; in [ (0 - min) (-min) (min * -1) ]
