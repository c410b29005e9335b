{ lib, ... }: {
  options.sub = lib.mkOption {
    type = lib.types.submodule ({ name, ... }: {
      options.a = lib.mkOption { type = lib.types.int; default = 1; };
      options.b = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
      options.myName = lib.mkOption { type = lib.types.str; default = name; };
    });
    default = { };
  };
}
