# The options of one container (`containers.<name>`), shared by both spellings of
# `containers` (nixosSubmodule, and heterogeneousAttrsOf + submoduleWithExtraArgs).
# `configType name specialArgs` is the type of `config`, made by the caller.
{ lib, configType }:
{ name, config, ... }:
let
  inherit (lib) mkOption types;
  addr = types.nullOr types.str;
  # The seed's nixosSubmodule and submoduleWithExtraArgs take an attribute set as the
  # system's `config`, so `config = { imports = [ ./web.nix ]; … }` named an option
  # `imports` that does not exist. NixOS today takes such a set as a module. A set with
  # a module's own keys is handed to the type as a module (a function returning it);
  # any other set stays the seed's `config`, so everything the seed accepted means
  # what it meant.
  moduleKeys = [ "imports" "options" "config" "disabledModules" "_file" "key" "freeformType" ];
  asModule = def:
    if builtins.isAttrs def.value && !(def.value ? _type) && builtins.any (k: def.value ? ${k}) moduleKeys
    then def // { value = args: def.value; }
    else def;
  # (The module system rebuilds a submodule type through substSubModules: the
  # wrapper has to survive that.)
  wrap = t: t // { merge = loc: defs: t.merge loc (map asModule defs); }
    // lib.optionalAttrs (t ? substSubModules) { substSubModules = m: wrap (t.substSubModules m); };
  systemType = wrap (configType name config.specialArgs);
in
{
  options = {
    config = mkOption {
      type = systemType;
      default = { };
      description = "The container's system configuration: a NixOS-style module evaluated with nest's system modules.";
    };
    path = mkOption {
      type = types.nullOr types.path;
      default = null;
      example = "/nest/var/profiles/containers/foo";
      description = "A system (store path or profile) managed separately; when set, `config` is not built and this system is booted.";
    };
    specialArgs = mkOption {
      type = types.attrsOf types.unspecified;
      default = { };
      description = "Extra arguments for the container's system modules (usable in `imports`).";
    };
    autoStart = mkOption { type = types.bool; default = false; description = "Whether the container starts with the host (and on `nest switch`)."; };
    restartIfChanged = mkOption { type = types.bool; default = true; description = "Whether `nest switch` applies changes to this container while it runs: a changed system is re-activated in place, changed container settings (network, mounts, limits) restart it. When false, a running container is left as it is and the change applies at its next start."; };
    ephemeral = mkOption { type = types.bool; default = false; description = "Run on a fresh tmpfs root: nothing written inside is kept."; };
    privateNetwork = mkOption { type = types.bool; default = false; description = "Give the container its own network namespace, joined to the host by a veth pair."; };
    hostAddress = mkOption { type = addr; default = null; example = "10.231.136.1"; description = "IPv4 address of the host end of the veth pair."; };
    localAddress = mkOption { type = addr; default = null; example = "10.231.136.2"; description = "IPv4 address of the container end of the veth pair."; };
    hostAddress6 = mkOption { type = addr; default = null; description = "IPv6 address of the host end of the veth pair."; };
    localAddress6 = mkOption { type = addr; default = null; description = "IPv6 address of the container end of the veth pair."; };
    hostBridge = mkOption { type = types.nullOr types.str; default = null; description = "A host bridge the host end of the veth pair is added to (instead of hostAddress)."; };
    forwardPorts = mkOption {
      type = types.listOf (types.submodule {
        options = {
          protocol = mkOption { type = types.enum [ "tcp" "udp" ]; default = "tcp"; description = "The protocol."; };
          hostPort = mkOption { type = types.port; description = "The port on the host."; };
          containerPort = mkOption { type = types.nullOr types.port; default = null; description = "The port in the container (defaults to hostPort)."; };
        };
      });
      default = [ ];
      description = "Host ports forwarded to the container's localAddress (needs privateNetwork).";
    };
    bindMounts = mkOption {
      type = types.attrsOf (types.submodule ({ name, ... }: {
        options = {
          mountPoint = mkOption { type = types.str; default = name; description = "Where it is mounted inside (defaults to the attribute name)."; };
          hostPath = mkOption { type = types.nullOr types.str; default = null; description = "The host path (defaults to mountPoint)."; };
          isReadOnly = mkOption { type = types.bool; default = true; description = "Whether the mount is read-only."; };
        };
      }));
      default = { };
      description = "Host paths mounted inside the container.";
    };
    tmpfs = mkOption { type = types.listOf types.str; default = [ ]; description = "Paths inside the container mounted as fresh tmpfs."; };
    allowedDevices = mkOption {
      type = types.listOf (types.submodule {
        options = {
          node = mkOption { type = types.str; description = "The device node, e.g. /dev/net/tun."; };
          modifier = mkOption { type = types.strMatching "[rwm]+"; default = "rw"; description = "Access: r, w and/or m (mknod)."; };
        };
      });
      default = [ ];
      description = "Devices the container may use.";
    };
    additionalCapabilities = mkOption { type = types.listOf types.str; default = [ ]; example = [ "CAP_NET_ADMIN" ]; description = "Capabilities kept beyond the default bounding set."; };
    enableTun = mkOption { type = types.bool; default = false; description = "Allow /dev/net/tun inside (with CAP_NET_ADMIN)."; };
    limits = {
      memoryMax = mkOption { type = types.nullOr types.ints.positive; default = null; description = "Memory limit in bytes."; };
      cpuWeight = mkOption { type = types.nullOr (types.ints.between 1 10000); default = null; description = "CPU weight (cgroup v2 cpu.weight, 100 is the default share)."; };
      cpuQuotaPercent = mkOption { type = types.nullOr types.ints.positive; default = null; description = "CPU quota in percent of one CPU."; };
      pidsMax = mkOption { type = types.nullOr types.ints.positive; default = null; description = "Maximum number of processes."; };
      ioWeight = mkOption { type = types.nullOr (types.ints.between 1 10000); default = null; description = "IO weight (cgroup v2 io.weight)."; };
    };
    timeoutStartSec = mkOption { type = types.str; default = "1min"; description = "Time the container may take to start (systemd time span: `90s`, `1min`)."; };
  };
}
