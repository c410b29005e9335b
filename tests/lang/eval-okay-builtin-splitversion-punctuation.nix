with builtins; [ (splitVersion "1-2_3.4") (splitVersion "...") (splitVersion "1a2b3") ]
