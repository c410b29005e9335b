# The host's bridges: NixOS's networking.bridges.<name>.interfaces and the addresses
# of those bridges (networking.interfaces.<bridge>.ipv4/ipv6.addresses), a small
# subset of NixOS's options under the same names. Produces nest.hostNetwork, what
# `nest switch` creates on the host before the containers start.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.networking;
  addressType = prefixMax: types.submodule {
    options = {
      address = mkOption { type = types.str; description = "The address, without a prefix length."; };
      prefixLength = mkOption { type = types.ints.between 0 prefixMax; description = "The prefix length (the subnet's size)."; };
    };
  };
  familyOptions = prefixMax: {
    addresses = mkOption {
      type = types.listOf (addressType prefixMax);
      default = [ ];
      example = [ { address = "10.231.137.1"; prefixLength = 24; } ];
      description = "Addresses nest adds to the bridge.";
    };
  };
  # Linux interface names: 1 to 15 bytes, no slash, no whitespace.
  badName = n: builtins.stringLength n > 15 || builtins.match "[^/ \t\n]+" n == null;
  bridgeNames = lib.attrNames cfg.bridges;
  enslaved = lib.concatLists (lib.mapAttrsToList (b: v: map (i: { inherit b i; }) v.interfaces) cfg.bridges);
  byInterface = builtins.groupBy (x: x.i) enslaved;
in
{
  options.networking = {
    bridges = mkOption {
      type = types.attrsOf (types.submodule {
        options.interfaces = mkOption {
          type = types.listOf types.str;
          default = [ ];
          example = [ "eth1" ];
          description = "Host interfaces made ports of the bridge. Each must exist when switching.";
        };
      });
      default = { };
      example = { br-nest.interfaces = [ ]; };
      description = ''
        Bridges on the host, for containers' `hostBridge`. `nest switch` creates a
        missing one and deletes it again when it is removed from the config; a bridge
        that already existed (made by hand or by other tools) is used but never deleted.
      '';
    };
    interfaces = mkOption {
      type = types.attrsOf (types.submodule {
        options.ipv4 = familyOptions 32;
        options.ipv6 = familyOptions 128;
      });
      default = { };
      example = { br-nest.ipv4.addresses = [ { address = "10.231.137.1"; prefixLength = 24; } ]; };
      description = "Addresses of the host's bridges. nest configures only bridges declared in networking.bridges.";
    };
  };

  options.nest.hostNetwork = mkOption {
    type = types.raw;
    readOnly = true;
    description = "What `nest switch` realises on the host: `bridges.<name>` = { interfaces; addresses (\"ADDRESS/PREFIX\" strings) }.";
  };

  config = {
    nest.hostNetwork.bridges = lib.mapAttrs (name: b: {
      inherit (b) interfaces;
      addresses = let i = cfg.interfaces.${name} or { ipv4.addresses = [ ]; ipv6.addresses = [ ]; }; in
        map (a: "${a.address}/${toString a.prefixLength}") (i.ipv4.addresses ++ i.ipv6.addresses);
    }) cfg.bridges;

    assertions =
      map (n: {
        assertion = lib.elem n bridgeNames;
        message = "networking.interfaces.${n}: nest configures only bridges declared in networking.bridges, and ${n} is not one";
      }) (lib.attrNames cfg.interfaces)
      ++ map (n: {
        assertion = !badName n;
        message = "networking.bridges.${n}: an interface name must be 1 to 15 bytes, without '/' or whitespace";
      }) bridgeNames
      ++ map (x: {
        assertion = !badName x.i && !(lib.elem x.i bridgeNames);
        message = "networking.bridges.${x.b}.interfaces: '${x.i}' is not a valid interface name, or is itself a declared bridge";
      }) enslaved
      ++ lib.mapAttrsToList (i: xs: {
        assertion = lib.length xs == 1;
        message = "interface ${i} is in the interfaces of more than one bridge: ${lib.concatMapStringsSep ", " (x: x.b) xs}";
      }) byInterface;
  };
}
