{ lib, ... }: {
  options.machines = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submoduleWithExtraArgs { site = "lab"; name = "ignored"; } ({ name, site, ... }: {
      imports = [ (if site == "lab" then { options.lab = lib.mkOption { type = lib.types.bool; default = true; }; } else { }) ];
      options.id = lib.mkOption { type = lib.types.str; default = "${site}-${name}"; };
      options.port = lib.mkOption { type = lib.types.port; default = 22; };
    }));
    default = { };
  };
}
