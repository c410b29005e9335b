{ lib, ... }: {
  options.units = lib.mkOption {
    type = lib.types.heterogeneousAttrsOf (n:
      if lib.hasSuffix ".timer" n
      then lib.types.submodule { options.onCalendar = lib.mkOption { type = lib.types.str; description = "When."; }; }
      else lib.types.submodule ({ name, ... }: { options.description = lib.mkOption { type = lib.types.str; default = "unit ${name}"; description = "What."; }; }));
    default = { };
  };
}
