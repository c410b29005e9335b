(derivation { name = "d"; builder = "/b"; system = "x"; }).type.x
