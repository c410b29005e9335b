# environment.etc, environment.systemPackages (one `sw` profile) and
# environment.variables (/etc/profile).
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  etcOpts = { name, config, ... }: {
    options = {
      enable = mkOption { type = types.bool; default = true; description = "Whether this file is created."; };
      target = mkOption { type = types.str; default = name; description = "The path under /etc (defaults to the attribute name)."; };
      text = mkOption { type = types.nullOr types.lines; default = null; description = "The file's contents."; };
      source = mkOption { type = types.nullOr (types.either types.path types.str); default = null; description = "A file or directory the entry points to (used when `text` is null)."; };
      mode = mkOption { type = types.strMatching "symlink|direct-symlink|0[0-7]{3}"; default = "symlink"; description = "`symlink`: /etc/<target> links into the system; an octal mode: the file is copied with that mode."; };
      user = mkOption { type = types.str; default = "root"; description = "Owner of a copied file."; };
      group = mkOption { type = types.str; default = "root"; description = "Group of a copied file."; };
    };
  };
in
{
  options.environment = {
    etc = mkOption { type = types.attrsOf (types.submodule etcOpts); default = { }; description = "Files in /etc."; };
    systemPackages = mkOption { type = types.listOf types.package; default = [ ]; description = "Packages linked into the system's `sw` profile, on every PATH."; };
    variables = mkOption {
      type = types.attrsOf (types.either types.str (types.listOf types.str));
      default = { };
      apply = lib.mapAttrs (_: v: if builtins.isList v then lib.concatStringsSep ":" v else v);
      description = "Variables set by /etc/profile for login shells (lists are joined with `:`).";
    };
  };
  config = {
    environment.variables.PATH = lib.mkDefault "/run/current-system/sw/bin:/run/current-system/sw/sbin:/usr/local/bin:/usr/bin:/bin";
    environment.etc.profile.text = lib.concatStrings (lib.mapAttrsToList (n: v: "export ${n}=${lib.escapeShellArg v}\n") config.environment.variables);
    assertions = lib.mapAttrsToList (n: e: {
      assertion = !e.enable || e.text != null || e.source != null;
      message = "environment.etc.\"${n}\": set `text` or `source`";
    }) config.environment.etc
    # Activation records what it put in /etc one target per line (/etc/.nest-etc).
    ++ lib.mapAttrsToList (n: e: {
      assertion = !e.enable || (e.target != "" && builtins.match ".*[\n].*" e.target == null);
      message = "environment.etc.\"${n}\": the target must be a non-empty path without a newline";
    }) config.environment.etc;
  };
}
