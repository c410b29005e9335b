#!/usr/bin/env bash
# Generates the module-system benchmark inputs into DIR (default: a fresh temp dir,
# printed on stdout): thousand.nix (1000 small modules in one evaluation) and
# containers.nix (100 containers, each a full evaluation of the stand-in system
# modules in system/).
set -eu
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
lib="$(cd "$here/../../nix/lib" && pwd)"
out="${1:-$(mktemp -d)}"
mkdir -p "$out/m"

for i in $(seq 0 999); do
  prev=$(( i == 0 ? 0 : i - 1 ))
  cat > "$out/m/m$i.nix" <<NIX
{ config, lib, ... }:
let inherit (lib) mkOption mkIf mkDefault types; cfg = config.m$i; in
{
  options.m$i = {
    enable = mkOption { type = types.bool; default = $(( i % 3 == 0 )) == 1; };
    port = mkOption { type = types.port; default = 1000; };
    names = mkOption { type = types.listOf types.str; default = [ ]; };
    extra = mkOption { type = types.attrsOf types.int; default = { }; };
  };
  config = lib.mkMerge [
    { m$i.port = mkDefault $( (( i == 0 )) && echo 1000 || echo "(config.m$prev.port + 1)" ); }
    (mkIf cfg.enable { m$i.names = [ "n$i" ]; m$i.extra.x$i = $i; })
    { m$prev.names = [ "from$i" ]; }
  ];
}
NIX
done
{
  echo "# 1000 small modules, each declaring four options and defining its own and its neighbour's."
  echo "let lib = import $lib; in"
  echo "(lib.evalModules { modules = ["
  for i in $(seq 0 999); do echo "  ./m/m$i.nix"; done
  echo "]; }).config"
} > "$out/thousand.nix"

{
  echo "# 100 containers, each a full evaluation of the stand-in system modules."
  echo "let lib = import $lib; in"
  echo "let host = lib.evalModules { modules = ["
  echo "  ({ lib, ... }: {"
  echo "    options.containers = lib.mkOption {"
  echo "      default = { };"
  echo "      type = lib.types.attrsOf (lib.types.submodule ({ name, ... }: {"
  echo "        options.autoStart = lib.mkOption { type = lib.types.bool; default = true; };"
  echo "        options.config = lib.mkOption { type = lib.types.nixosSubmodule $here/system/module-list.nix { containerName = name; }; };"
  echo "      }));"
  echo "    };"
  echo "  })"
  for i in $(seq 0 99); do
    cat <<NIX
  { containers.c$i.config = { containerName, lib, ... }: {
      networking.hostName = containerName;
      services.openssh.enable = true;
      services.openssh.ports = [ $(( 2000 + i )) ];
      services.openssh.settings.MaxSessions = $(( i % 10 + 1 ));
      users.extraUsers.root.openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI$i user@host" ];
      users.users.alice = { uid = 1000; extraGroups = [ "wheel" ]; };
      services.nginx.enable = $( (( i % 2 == 0 )) && echo true || echo false );
      services.nginx.virtualHosts."c$i.example".root = "/var/www/c$i";
      systemd.services.app = { description = "app $i"; environment.N = $i; script = "echo $i"; after = [ "network.target" ]; };
    };
  }
NIX
  done
  echo "]; }; in"
  echo "lib.mapAttrs (n: c: c.config.system.build.toplevel) host.config.containers"
} > "$out/containers.nix"

echo "$out"
