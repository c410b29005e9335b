# Twenty containers from one definition: c01 … c20, each running a small service
# that writes its container's name and a counter to /run/heartbeat every 5 s.
# Identical parts are shared: the systems differ only in their host name, and the
# store keeps one copy of everything else.
#   nest switch -f examples/twenty.nix
#   nest container list --long
#   nest container run c07 -- cat /run/heartbeat
{ lib, ... }:
let
  names = map (i: "c${lib.fixedWidthNumber 2 i}") (lib.range 1 20);
in
{
  containers = lib.genAttrs names (name: {
    autoStart = true;
    config = { config, pkgs, ... }: {
      systemd.services.heartbeat = {
        description = "writes /run/heartbeat";
        wantedBy = [ "multi-user.target" ];
        path = [ pkgs.busybox ];
        script = ''
          n=0
          while true; do
            n=$((n + 1))
            echo "${config.networking.hostName} $n" > /run/heartbeat
            sleep 5
          done
        '';
      };
    };
  });
}
