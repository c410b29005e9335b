# Benchmark stand-in: environment.etc files.
{ config, lib, ... }:
let inherit (lib) mkOption types; in
{
  options.environment.etc = mkOption {
    default = { };
    type = types.attrsOf (types.submodule ({ name, config, ... }: {
      options = {
        target = mkOption { type = types.str; default = name; };
        text = mkOption { type = types.lines; default = ""; };
        mode = mkOption { type = types.str; default = "symlink"; };
        enable = mkOption { type = types.bool; default = true; };
      };
    }));
  };
}
