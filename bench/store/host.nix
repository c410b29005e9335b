# n containers that differ only in a service script and an /etc file.
{ n ? 100 }:
{
  containers = builtins.listToAttrs (builtins.genList (i: {
    name = "c${toString i}";
    value.config = {
      environment.etc."motd".text = "container ${toString i}\n";
      systemd.services.app = {
        script = "echo app ${toString i}; exec sleep 100000";
        wantedBy = [ "multi-user.target" ];
      };
    };
  }) n);
}
