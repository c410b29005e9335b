{ lib, ... }: {
  options.tagged = lib.mkOption {
    type = lib.types.attrTag {
      port = lib.mkOption { type = lib.types.port; };
      socket = lib.mkOption { type = lib.types.str; };
    };
  };
}
