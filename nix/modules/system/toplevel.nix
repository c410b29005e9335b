# system.build.toplevel: the system directory nest's init boots (`activate`,
# `services.json`, `etc/`, `sw/`, `users/`, `init`), built with nix/pkgs.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  etcEntries = lib.filter (e: e.enable) (builtins.attrValues config.environment.etc);
  etcSource = e: if e.text != null then pkgs.writeText "etc-${baseNameOf e.target}" e.text else e.source;
  users = config.system.build.users;
in
{
  options.system.build = mkOption {
    type = types.lazyAttrsOf types.raw;
    default = { };
    description = "Derivations and data that make up the system; `toplevel` is the system itself.";
  };
  # Named after the host only when the host name is part of the system (see
  # networking.nix), so identical containers share one system.
  config.system.build.toplevel = pkgs.runCommand "nest-system${lib.optionalString (!config.networking.hostNameFromRuntime) "-${config.networking.hostName}"}" {
    # Scripts run with the system's own busybox sh: a container's root need not
    # have a /bin/sh.
    servicesJson = builtins.toJSON (config.systemd.servicesJSON // {
      services = builtins.mapAttrs (_: s: { shell = "${pkgs.busybox}/bin/sh"; } // s) config.systemd.servicesJSON.services;
    });
    activateText = "#!${pkgs.busybox}/bin/sh\n" + config.system.activationScript;
    passwdText = users.passwd;
    groupText = users.group;
    shadowText = users.shadow;
    passAsFile = [ "servicesJson" "activateText" "passwdText" "groupText" "shadowText" ];
    sw = pkgs.buildEnv { name = "system-path"; paths = config.environment.systemPackages ++ [ pkgs.busybox ]; ignoreCollisions = true; };
    etcLinks = lib.concatMapStrings (e: "${e.target}\t${etcSource e}\n") etcEntries;
  } ''
    mkdir -p $out/etc $out/users
    cp "$servicesJsonPath" $out/services.json
    cp "$activateTextPath" $out/activate
    chmod 0755 $out/activate
    cp "$passwdTextPath" $out/users/passwd
    cp "$groupTextPath" $out/users/group
    cp "$shadowTextPath" $out/users/shadow
    ln -s "$sw" $out/sw
    printf '%s' "$etcLinks" | while IFS="$(printf '\t')" read -r target src; do
      [ -n "$target" ] || continue
      mkdir -p "$(dirname "$out/etc/$target")"
      ln -s "$src" "$out/etc/$target"
    done
  '';
}
