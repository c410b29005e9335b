{ config, ... }: {
  _module.args.pkgs = { hello = "hello-${config.result2}"; };
}
