{ n }: { lib, ... }: {
  options.applied = lib.mkOption { default = n; };
}
