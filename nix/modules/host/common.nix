# What both spellings of `containers` share: assertions over all containers and
# nest.containerSpecs, the per-container output nest switch reads.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  cs = config.containers;
  nonNull = lib.filterAttrs (_: v: v != null);
  specOf = name: c: {
    inherit name;
    inherit (c) ephemeral privateNetwork enableTun additionalCapabilities tmpfs;
    bindMounts = lib.mapAttrsToList (_: b: nonNull { inherit (b) mountPoint hostPath isReadOnly; }) c.bindMounts;
    forwardPorts = map (p: nonNull { inherit (p) protocol hostPort containerPort; }) c.forwardPorts;
    allowedDevices = map (d: { inherit (d) node modifier; }) c.allowedDevices;
    limits = nonNull c.limits;
  } // nonNull { inherit (c) hostAddress localAddress hostAddress6 localAddress6 hostBridge; };
  systemData = sc: {
    services = sc.systemd.servicesJSON;
    etc = lib.mapAttrs' (_: e: lib.nameValuePair e.target (nonNull { inherit (e) text mode user group; source = if e.source == null then null else toString e.source; }))
      (lib.filterAttrs (_: e: e.enable) sc.environment.etc);
    users = sc.users.allocated;
    activation = sc.system.activationScript;
    systemPackages = map toString sc.environment.systemPackages;
  };
  systemAssertions = name: c: lib.optionals (c.path == null)
    (map (a: a // { message = "containers.${name}.config: ${a.message}"; }) c.config.assertions);
  addressesOf = field: lib.filter (x: x.a != null) (lib.mapAttrsToList (n: c: { inherit n; a = c.${field}; }) cs);
  duplicates = field:
    let
      xs = addressesOf field;
      stripped = x: builtins.head (lib.splitString "/" x.a);
      # Grouped once instead of comparing every pair: linear in the containers.
      byAddress = builtins.groupBy stripped xs;
      clashes = lib.filter (x: lib.length byAddress.${stripped x} > 1) xs;
    in lib.optional (clashes != [ ]) {
      assertion = false;
      message = "containers ${lib.concatMapStringsSep ", " (x: x.n) clashes} have the same ${field} ${stripped (builtins.head clashes)}";
    };
in
{
  imports = [ ../../lib/assertions-module.nix ];
  options.nest.containerSpecs = mkOption {
    type = types.raw;
    readOnly = true;
    description = "Per container: `spec` (the runtime's container spec, without `init`), `autoStart`, `restartIfChanged`, `timeoutStartSec`, `path`, `system` (services, etc files, users and the activation script as data; null when `path` is set) and `toplevel` (the system to build; null when `path` is set).";
  };
  config = {
    nest.containerSpecs = lib.mapAttrs (name: c: {
      spec = specOf name c;
      inherit (c) autoStart restartIfChanged timeoutStartSec;
      path = if c.path == null then null else toString c.path;
      toplevel = if c.path == null then c.config.system.build.toplevel else null;
      # Everything activation installs, as data: what `nest switch --dry-run`
      # compares, and what forces every definition (type errors) without building.
      system = if c.path == null then systemData c.config else null;
    }) cs;
    assertions = lib.concatLists (lib.mapAttrsToList (name: c: [
      { assertion = c.forwardPorts == [ ] || c.privateNetwork; message = "containers.${name}: forwardPorts needs privateNetwork = true"; }
      { assertion = c.privateNetwork || lib.all (f: c.${f} == null) [ "hostAddress" "localAddress" "hostAddress6" "localAddress6" "hostBridge" ];
        message = "containers.${name}: hostAddress, localAddress, hostAddress6, localAddress6 and hostBridge need privateNetwork = true"; }
      { assertion = !(c.hostBridge != null && (c.hostAddress != null || c.hostAddress6 != null));
        message = "containers.${name}: hostBridge and hostAddress/hostAddress6 cannot both be set"; }
    ] ++ systemAssertions name c) cs)
    ++ lib.concatMap duplicates [ "localAddress" "localAddress6" ];
    warnings = lib.concatLists (lib.mapAttrsToList (name: c: lib.optionals (c.path == null)
      (map (w: "containers.${name}.config: ${w}") c.config.warnings)) cs);
  };
}
