[ (toString (-5)) (toString 0) (toString 9223372036854775807) ]
