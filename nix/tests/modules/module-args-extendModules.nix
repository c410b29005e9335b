{ extendModules, ... }: {
  result = builtins.isFunction extendModules;
}
