let make = a: { get = _: a; }; in [ (make 1 == make 1) ((make 1).get null == (make 1).get null) ]
