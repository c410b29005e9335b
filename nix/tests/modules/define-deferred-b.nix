{
  deferred = { config, ... }: { v = [ 2 ]; };
}
