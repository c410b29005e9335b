# containers.<name>.specialArgs reach the container's modules (also in `imports`),
# in both spellings.
let
  configuration = {
    containers.s = {
      specialArgs = { greeting = "hello"; extraModule = { networking.hosts."10.9.9.9" = [ "special" ]; }; };
      config = { greeting, extraModule, ... }: {
        imports = [ extraModule ];
        environment.etc.greeting.text = greeting;
      };
    };
  };
  get = heterogeneous: let c = (import ../../modules/eval-host.nix { inherit configuration heterogeneous; }).checked.containers.s.config; in
    { greeting = c.environment.etc.greeting.text; hosts = c.networking.hosts; };
in
{ nixos = get false; heterogeneous = get true; }
