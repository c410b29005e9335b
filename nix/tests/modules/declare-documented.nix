{ lib, ... }: {
  options.documented = lib.mkOption {
    type = lib.types.str;
    default = "d";
    defaultText = lib.literalExpression "\"d\"";
    example = "e";
    description = "A documented option.";
  };
  options.hidden = lib.mkOption { type = lib.types.int; default = 0; internal = true; visible = false; };
  options.ro = lib.mkOption { type = lib.types.int; default = 3; readOnly = true; };
  options.nested.inner = lib.mkOption { type = lib.types.bool; default = true; description = "Inner."; example = false; };
}
