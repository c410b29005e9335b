let mk = n: derivation { name = n; system = "x86_64-linux"; builder = "/bin/sh"; }; in [ (mk "x" == mk "x") (mk "x" == mk "y") ]
