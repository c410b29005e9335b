{ config, lib, ... }: {
  options.networking.hostName = lib.mkOption { type = lib.types.str; default = "nixos"; };
  options.system.build.toplevel = lib.mkOption { type = lib.types.str; readOnly = true; };
  config.system.build.toplevel = lib.asserts.checkAssertWarn config.assertions config.warnings
    "system-${config.networking.hostName}${lib.optionalString config.services.openssh.enable "-sshd"}";
}
