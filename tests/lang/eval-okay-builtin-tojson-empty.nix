with builtins; [ (toJSON [ ]) (toJSON { }) (toJSON "") ]
