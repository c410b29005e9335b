[ (true -> false) (false -> throw "unforced") (true -> true) (false -> false) ]
