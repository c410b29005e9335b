[ (1 == "1") (null == false) ([ ] == { }) ("" == null) (true == 1) ]
