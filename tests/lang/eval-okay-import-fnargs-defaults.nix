[ (import ./lib/fnargs.nix { }) (import ./lib/fnargs.nix { a = 5; }) ]
