{ lib, ... }: {
  options.containers = lib.mkOption {
    default = { };
    type = lib.types.heterogeneousAttrsOf (name: lib.types.submodule {
      options.config = lib.mkOption {
        type = lib.types.submoduleWithExtraArgs { containerName = name; }
          (import ./system/module-list.nix ++ [ ({ containerName, ... }: { networking.hostName = lib.mkDefault containerName; }) ]);
      };
    });
  };
}
