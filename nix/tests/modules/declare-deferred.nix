{ lib, config, ... }: {
  options.deferred = lib.mkOption { type = lib.types.deferredModule; default = { }; };
  options.evaluated = lib.mkOption {
    type = lib.types.anything;
    default = (lib.evalModules { modules = [ config.deferred { options.v = lib.mkOption { type = lib.types.listOf lib.types.int; default = [ ]; }; } ]; }).config.v;
  };
}
