{ lib, ... }: {
  imports = [ lib.modules.assertionsModule ];
  assertions = [ { assertion = true; message = "fine"; } ];
}
