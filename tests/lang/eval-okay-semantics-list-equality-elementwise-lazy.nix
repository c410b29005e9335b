[ 1 (throw "not compared") ] == [ 2 3 ]
