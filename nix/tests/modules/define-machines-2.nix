{ lib, ... }: {
  machines.beta.hostName = "beta.example";
  machines.gamma = lib.mkIf false { };
}
