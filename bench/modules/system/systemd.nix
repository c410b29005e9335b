# Benchmark stand-in: systemd.services with the usual option shapes.
{ config, lib, ... }:
let inherit (lib) mkOption types; in
{
  options.systemd.services = mkOption {
    default = { };
    type = types.attrsOf (types.submodule ({ name, config, ... }: {
      options = {
        description = mkOption { type = types.str; default = ""; };
        wantedBy = mkOption { type = types.listOf types.str; default = [ ]; };
        after = mkOption { type = types.listOf types.str; default = [ ]; };
        environment = mkOption { type = types.attrsOf (types.either types.str types.int); default = { }; };
        serviceConfig = mkOption { type = types.attrsOf types.anything; default = { }; };
        script = mkOption { type = types.lines; default = ""; };
        enable = mkOption { type = types.bool; default = true; };
        unitText = mkOption { type = types.str; readOnly = true; };
      };
      config.unitText = ''
        [Unit]
        Description=${config.description}
        After=${lib.concatStringsSep " " config.after}
        [Service]
        ${lib.concatStringsSep "\n" (lib.mapAttrsToList (n: v: "Environment=${n}=${toString v}") config.environment)}
        ${lib.concatStringsSep "\n" (lib.mapAttrsToList (n: v: "${n}=${toString v}") config.serviceConfig)}
        ExecStart=${builtins.hashString "sha256" config.script}
      '';
    }));
  };
}
