[ (true == true) (false != true) ]
