with { }; notInWith
