let s = { foo = 1; "with space" = 2; }; k = "foo"; in [ s.${k} s."with space" s.${"with" + " space"} ]
