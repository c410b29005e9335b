"v${toString (x: x)}w"
