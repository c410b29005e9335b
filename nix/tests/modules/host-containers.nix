{ lib, ... }: {
  imports = [
    (lib.mkRenamedOptionModule [ "systemd" "containers" ] [ "containers" ])
    lib.modules.assertionsModule
  ];
  options.containers = lib.mkOption {
    default = { };
    type = lib.types.attrsOf (lib.types.submodule ({ name, ... }: {
      options.autoStart = lib.mkOption { type = lib.types.bool; default = false; };
      options.config = lib.mkOption {
        description = "The container's system configuration.";
        type = lib.types.nixosSubmodule ./system {
          containerName = name;
          modules = [ ({ containerName, ... }: { networking.hostName = lib.mkDefault containerName; }) ];
        };
      };
    }));
  };
}
