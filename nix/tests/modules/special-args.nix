{ special = { value = 21; module = { result = "imported through specialArgs"; }; }; foo = "special-foo"; }
