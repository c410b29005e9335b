# systemd.services → services.json, every supported key.
(import ../../modules/eval-host.nix {
  configuration = {
    containers.web.config = {
      systemd.globalEnvironment.LANG = "C.UTF-8";
      systemd.services.db = {
        description = "database";
        serviceConfig = { Type = "oneshot"; RemainAfterExit = true; };
        script = "echo init";
      };
      systemd.services.web = {
        description = "web server";
        wantedBy = [ "multi-user.target" ];
        after = [ "db" ];
        requires = [ "db" ];
        wants = [ "cache" ];
        environment = { PORT = 8080; MODE = "prod"; };
        path = [ "/opt/tools" ];
        preStart = "mkdir -p /srv";
        postStart = "echo started";
        restartIfChanged = false;
        serviceConfig = {
          ExecStart = "/bin/httpd -f -p 8080";
          ExecStop = "echo bye";
          Restart = "on-failure";
          RestartSec = "5s";
          User = "www";
          Group = "www";
          WorkingDirectory = "/srv";
          Environment = [ "A=1" "B=x=y" ];
        };
      };
      systemd.services.off = { enable = false; script = "true"; };
      users.users.www = { isSystemUser = true; group = "www"; };
      users.groups.www = { };
    };
  };
}).checked.containers.web.config.systemd.servicesJSON
