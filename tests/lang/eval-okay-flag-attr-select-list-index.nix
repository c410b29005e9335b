{ xs = [ "zero" "one" "two" ]; }
