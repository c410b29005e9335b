{ lib, ... }: {
  containers.bar = {
    autoStart = true;
    config = { config, ... }: {
      networking.hostName = "bar-host";
      users.users.alice.uid = 1000;
    };
  };
}
