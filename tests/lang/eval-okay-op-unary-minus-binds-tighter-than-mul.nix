let f = x: x; in [ (-2 * 3) (- f 3) ]
