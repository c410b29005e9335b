[ (!(1 == 2)) (! true == false) ]
