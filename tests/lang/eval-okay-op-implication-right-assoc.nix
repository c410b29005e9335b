[ (false -> false -> false) (true -> false -> false) ]
