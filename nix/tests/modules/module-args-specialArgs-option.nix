{ config, ... }: {
  result = builtins.attrNames config._module.specialArgs;
}
