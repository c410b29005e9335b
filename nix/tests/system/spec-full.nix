# Every container option that reaches the runtime spec.
(import ../../modules/eval-host.nix {
  configuration = {
    containers.full = {
      autoStart = true;
      restartIfChanged = false;
      ephemeral = true;
      privateNetwork = true;
      hostAddress = "10.231.136.1";
      localAddress = "10.231.136.2/24";
      hostAddress6 = "fc00::1";
      localAddress6 = "fc00::2";
      forwardPorts = [ { hostPort = 8080; containerPort = 80; } { protocol = "udp"; hostPort = 53; } ];
      bindMounts."/data" = { hostPath = "/srv/data"; isReadOnly = false; };
      bindMounts."/ro" = { };
      tmpfs = [ "/var/cache" ];
      allowedDevices = [ { node = "/dev/net/tun"; modifier = "rwm"; } ];
      additionalCapabilities = [ "CAP_NET_ADMIN" ];
      enableTun = true;
      limits = { memoryMax = 536870912; cpuWeight = 200; cpuQuotaPercent = 150; pidsMax = 512; ioWeight = 50; };
      timeoutStartSec = "2min";
      config = { };
    };
    containers.prebuilt = { path = /nest/var/profiles/containers/prebuilt; };
  };
}).specs
