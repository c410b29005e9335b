# The `assertions` and `warnings` options of NixOS, for module sets that want the
# convention (`lib.modules.assertionsModule`); check them with
# `lib.asserts.checkAssertWarn config.assertions config.warnings value`.
{ lib, ... }:
{
  options = {
    assertions = lib.mkOption {
      type = lib.types.listOf lib.types.unspecified;
      internal = true;
      default = [ ];
      example = [ { assertion = false; message = "you can't enable this for that reason"; } ];
      description = ''
        This option allows modules to express conditions that must hold for the
        evaluation of the system configuration to succeed, along with associated
        error messages for the user.
      '';
    };
    warnings = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      internal = true;
      default = [ ];
      example = [ "The `foo' service is deprecated and will go away soon!" ];
      description = "This option allows modules to show warnings to users during the evaluation of the system configuration.";
    };
  };
}
