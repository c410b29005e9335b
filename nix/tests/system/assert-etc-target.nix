# An /etc entry whose target has a newline is refused: activation records targets one
# per line.
(import ../../modules/eval-host.nix {
  configuration = { containers.n.config.environment.etc.bad = { target = "a\nb"; text = "x"; }; };
}).specs
