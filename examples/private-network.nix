# Two containers on a private network: each has its own network namespace, joined by
# its veth pair to the host bridge `br-nest`, and `client` reaches `server` by name.
# The host config declares the bridge (networking.bridges, as on NixOS): the switch
# creates it before the containers start, and deletes it when it leaves the config.
# A bridge that already existed is used as it is and never deleted.
#   nest switch -f examples/private-network.nix
#   nest container run client -- wget -qO- http://server/
let
  serverAddress = "10.231.137.2";
  clientAddress = "10.231.137.3";
  # What both containers share about the network: the bridge, and each other's names.
  onBridge = address: {
    privateNetwork = true;
    hostBridge = "br-nest";
    localAddress = "${address}/24";
  };
  hosts = {
    ${serverAddress} = [ "server" ];
    ${clientAddress} = [ "client" ];
  };
in
{
  networking.bridges.br-nest.interfaces = [ ];
  containers.server = onBridge serverAddress // {
    autoStart = true;
    config = { pkgs, ... }: {
      networking.hosts = hosts;
      environment.etc."www/index.html".text = "hello from server\n";
      systemd.services.httpd = {
        wantedBy = [ "multi-user.target" ];
        serviceConfig.ExecStart = "${pkgs.busybox}/bin/httpd -f -p 80 -h /etc/www";
      };
    };
  };
  containers.client = onBridge clientAddress // {
    autoStart = true;
    config = { pkgs, ... }: {
      networking.hosts = hosts;
      # Fetches the server's page every 10 s into /tmp/last-fetch (see it with
      # `nest container run client -- cat /tmp/last-fetch`).
      systemd.services.fetch = {
        wantedBy = [ "multi-user.target" ];
        path = [ pkgs.busybox ];
        script = ''
          while true; do
            wget -qO /tmp/last-fetch.new http://server/ && mv /tmp/last-fetch.new /tmp/last-fetch
            sleep 10
          done
        '';
      };
    };
  };
}
