{ lib, ... }: {
  options.sw = lib.mkOption {
    type = lib.types.submoduleWith {
      modules = [ ({ extra, ... }: { options.e = lib.mkOption { type = lib.types.str; default = extra; }; }) ];
      specialArgs = { extra = "special"; };
      description = "a described submodule";
    };
    default = { };
  };
  options.swShort = lib.mkOption {
    type = lib.types.submoduleWith { modules = [ { options.s = lib.mkOption { type = lib.types.int; default = 0; }; } ]; shorthandOnlyDefinesConfig = true; };
    default = { };
  };
  options.swFull = lib.mkOption {
    type = lib.types.submoduleWith { modules = [ { options.s = lib.mkOption { type = lib.types.int; default = 0; }; } ]; };
    default = { };
  };
}
