let a = import ./lib/traced.nix; b = import (./lib + "/traced.nix"); in [ a b ]
