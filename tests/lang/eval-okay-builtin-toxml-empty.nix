with builtins; [ (toXML { }) (toXML [ ]) ]
