{ config, ... }: {
  _module.args.unused = throw "never forced";
  result = "lazy";
}
