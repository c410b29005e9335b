{ lib, ... }: {
  options.things = lib.mkOption {
    type = lib.types.heterogeneousAttrsOf (n:
      if n == "count" then lib.types.int
      else if lib.hasPrefix "list" n then lib.types.listOf lib.types.str
      else lib.types.str);
    default = { };
  };
}
