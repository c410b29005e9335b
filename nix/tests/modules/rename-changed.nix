{ lib, ... }: {
  imports = [ (lib.mkChangedOptionModule [ "oldPort" ] [ "addr" ] (config: "host:${toString config.oldPort}")) ];
}
