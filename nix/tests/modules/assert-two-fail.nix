{ lib, ... }: {
  imports = [ lib.modules.assertionsModule ];
  assertions = [
    { assertion = false; message = "first problem"; }
    { assertion = true; message = "not a problem"; }
    { assertion = 1 == 2; message = "second problem"; }
  ];
}
