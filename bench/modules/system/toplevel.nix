# Benchmark stand-in: system.build.toplevel, a digest of the whole system.
{ config, lib, ... }:
{
  options.system.build.toplevel = lib.mkOption { type = lib.types.str; readOnly = true; };
  config.system.build.toplevel = lib.asserts.checkAssertWarn config.assertions config.warnings
    (builtins.hashString "sha256" (builtins.toJSON {
      etc = lib.mapAttrs (n: f: f.text) (lib.filterAttrs (n: f: f.enable) config.environment.etc);
      units = lib.mapAttrs (n: s: s.unitText) (lib.filterAttrs (n: s: s.enable) config.systemd.services);
      ports = config.networking.firewall.allowedTCPPorts;
    }));
}
