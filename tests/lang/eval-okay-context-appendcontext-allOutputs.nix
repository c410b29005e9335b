builtins.getContext (builtins.appendContext "" { "/nix/store/n96mls8jja99bb70ghnlxk8mdb5b51i9-ctx.drv" = { allOutputs = true; }; })
