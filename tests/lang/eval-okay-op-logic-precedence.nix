[ (true || false && false) (!false && false) (false -> true || false) (true && true -> false) ]
