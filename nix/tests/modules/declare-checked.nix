{ config, lib, ... }: {
  options.checked = lib.mkOption {
    type = lib.types.str;
    readOnly = true;
    default = lib.asserts.checkAssertWarn config.assertions config.warnings "all good";
  };
}
