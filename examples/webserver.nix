# A web server in a container, reachable from the host: busybox httpd serves a page
# written by `environment.etc`, on the container's own network (a veth pair), and
# host port 8080 is forwarded to the container's port 80.
#   nest switch -f examples/webserver.nix
#   curl http://127.0.0.1:8080/
{
  containers.web = {
    autoStart = true;
    privateNetwork = true;
    hostAddress = "10.231.136.1";
    localAddress = "10.231.136.2";
    forwardPorts = [ { hostPort = 8080; containerPort = 80; } ];
    config = { pkgs, ... }: {
      environment.etc."www/index.html".text = ''
        <!doctype html>
        <title>nest</title>
        <p>Hello from the container web.</p>
      '';
      systemd.services.httpd = {
        description = "busybox httpd serving /etc/www";
        wantedBy = [ "multi-user.target" ];
        # -f: stay in the foreground, so nest's init supervises the process itself.
        serviceConfig.ExecStart = "${pkgs.busybox}/bin/httpd -f -p 80 -h /etc/www";
        serviceConfig.Restart = "on-failure";
      };
    };
  };
}
