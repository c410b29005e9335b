{
  sub = { config, ... }: { b = [ "fn-${toString config.a}" ]; };
}
