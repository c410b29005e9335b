# systemd.services: the subset nest's init runs, turned into its services.json
# (crates/init/SERVICES.md). Unknown keys, also in serviceConfig, are errors of the
# module system ("The option ... does not exist"), never silently ignored.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;

  serviceConfigOpts = {
    options = {
      ExecStart = mkOption { type = types.nullOr types.str; default = null; description = "The main command (split on spaces; use `script` for anything needing quoting)."; };
      ExecStop = mkOption { type = types.nullOr types.str; default = null; description = "Run when the service is stopped, before the stop signal."; };
      Type = mkOption { type = types.enum [ "simple" "oneshot" "notify" ]; default = "simple"; description = "When the service counts as started."; };
      RemainAfterExit = mkOption { type = types.bool; default = false; description = "A oneshot stays active after it succeeded."; };
      Restart = mkOption { type = types.enum [ "no" "on-failure" "always" ]; default = "no"; description = "When the main process is restarted."; };
      RestartSec = mkOption { type = types.either types.number (types.strMatching "[0-9]+(\\.[0-9]+)?s?"); default = 0.1; description = "Delay before a restart, in seconds (`5` or `\"5s\"`)."; };
      User = mkOption { type = types.nullOr types.str; default = null; description = "User the processes run as."; };
      Group = mkOption { type = types.nullOr types.str; default = null; description = "Group the processes run as."; };
      WorkingDirectory = mkOption { type = types.nullOr types.str; default = null; description = "Working directory of the processes."; };
      Environment = mkOption { type = types.either types.str (types.listOf types.str); default = [ ]; description = "`NAME=value` assignments (a list, or one string)."; };
    };
  };

  serviceOpts = { name, ... }: {
    options = {
      enable = mkOption { type = types.bool; default = true; description = "Whether the service is loaded."; };
      description = mkOption { type = types.str; default = ""; description = "For humans."; };
      script = mkOption { type = types.lines; default = ""; description = "Shell script of the main process (instead of serviceConfig.ExecStart)."; };
      preStart = mkOption { type = types.lines; default = ""; description = "Shell script run before the main process."; };
      postStart = mkOption { type = types.lines; default = ""; description = "Shell script run once the main process has started."; };
      environment = mkOption { type = types.attrsOf (types.oneOf [ types.str types.path types.int ]); default = { }; description = "Environment variables of the service."; };
      path = mkOption { type = types.listOf (types.either types.package types.str); default = [ ]; description = "Packages whose bin/ and sbin/ are put on the service's PATH."; };
      wantedBy = mkOption { type = types.listOf types.str; default = [ ]; description = "Units that pull this one in; `multi-user.target` starts it at boot."; };
      after = mkOption { type = types.listOf types.str; default = [ ]; description = "Start after these services."; };
      before = mkOption { type = types.listOf types.str; default = [ ]; description = "Start before these services."; };
      requires = mkOption { type = types.listOf types.str; default = [ ]; description = "Services started with this one; their failure fails it."; };
      wants = mkOption { type = types.listOf types.str; default = [ ]; description = "Services started with this one."; };
      restartIfChanged = mkOption { type = types.bool; default = true; description = "Whether a re-activation that changes this service restarts it."; };
      serviceConfig = mkOption { type = types.submodule serviceConfigOpts; default = { }; description = "The supported subset of systemd's [Service] settings."; };
    };
  };

  defaultPath = "/run/current-system/sw/bin:/run/current-system/sw/sbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  seconds = v: if builtins.isString v then builtins.fromJSON (lib.removeSuffix "s" v) else v;
  envList = e: if builtins.isList e then e else [ e ];
  parseEnv = s: let m = builtins.match "([^=]+)=(.*)" s; in
    if m == null then throw "serviceConfig.Environment: `${s}' is not NAME=value" else lib.nameValuePair (builtins.elemAt m 0) (builtins.elemAt m 1);
  nonEmpty = s: s != "";

  toInit = name: s:
    let
      sc = s.serviceConfig;
      pathEnv = lib.optionalAttrs (s.path != [ ]) {
        PATH = lib.concatStringsSep ":" (lib.concatMap (p: [ "${p}/bin" "${p}/sbin" ]) s.path) + ":" + defaultPath;
      };
      env = lib.mapAttrs (_: toString) s.environment
        // builtins.listToAttrs (map parseEnv (envList sc.Environment)) // pathEnv;
    in
    { description = s.description; enable = s.enable; restartIfChanged = s.restartIfChanged; type = sc.Type; }
    // (if sc.ExecStart != null then { command = lib.filter nonEmpty (lib.splitString " " sc.ExecStart); } else { script = s.script; })
    // lib.optionalAttrs (s.preStart != "") { inherit (s) preStart; }
    // lib.optionalAttrs (s.postStart != "") { inherit (s) postStart; }
    // lib.optionalAttrs (sc.ExecStop != null) { execStop = sc.ExecStop; }
    // lib.optionalAttrs (env != { }) { environment = env; }
    // lib.optionalAttrs (s.wantedBy != [ ]) { inherit (s) wantedBy; }
    // lib.optionalAttrs (s.after != [ ]) { inherit (s) after; }
    // lib.optionalAttrs (s.before != [ ]) { inherit (s) before; }
    // lib.optionalAttrs (s.requires != [ ]) { inherit (s) requires; }
    // lib.optionalAttrs (s.wants != [ ]) { inherit (s) wants; }
    // lib.optionalAttrs (sc.Restart != "no") { restart = sc.Restart; restartSec = seconds sc.RestartSec; }
    // lib.optionalAttrs (sc.Type == "oneshot" && sc.RemainAfterExit) { remainAfterExit = true; }
    // lib.optionalAttrs (sc.User != null) { user = sc.User; }
    // lib.optionalAttrs (sc.Group != null) { group = sc.Group; }
    // lib.optionalAttrs (sc.WorkingDirectory != null) { workingDirectory = sc.WorkingDirectory; };
in
{
  options.systemd = {
    services = mkOption { type = types.attrsOf (types.submodule serviceOpts); default = { }; description = "Services run by the container's init."; };
    globalEnvironment = mkOption { type = types.attrsOf types.str; default = { }; description = "Variables for every service (a service's own win)."; };
    servicesJSON = mkOption {
      type = types.raw;
      readOnly = true;
      description = "The services.json document (version 1) nest's init reads.";
    };
  };
  config = {
    systemd.servicesJSON = {
      version = 1;
      defaultTarget = "multi-user.target";
      environment = config.systemd.globalEnvironment;
      services = lib.mapAttrs toInit config.systemd.services;
    };
    assertions = lib.mapAttrsToList (n: s: {
      assertion = (s.serviceConfig.ExecStart != null) != (s.script != "");
      message = "systemd.services.${n}: give exactly one of `script` and `serviceConfig.ExecStart`";
    }) config.systemd.services
    ++ lib.mapAttrsToList (n: s: {
      assertion = !(s.serviceConfig.Type == "oneshot" && s.serviceConfig.Restart == "always");
      message = "systemd.services.${n}: Restart = \"always\" is refused for a oneshot service";
    }) config.systemd.services;
  };
}
