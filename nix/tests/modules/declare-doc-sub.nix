{ lib, ... }: {
  options.srv = lib.mkOption {
    default = { };
    description = "Services.";
    type = lib.types.attrsOf (lib.types.submodule {
      options.port = lib.mkOption { type = lib.types.port; default = 80; description = "Port."; example = 8080; };
    });
  };
  options.pkg = lib.mkPackageOption { hello = { type = "derivation"; name = "hello"; outPath = "/nix/store/h-hello"; }; } "hello" { };
  options.flag = lib.mkEnableOption "the flag";
}
