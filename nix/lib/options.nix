# lib.options: declaring options (mkOption and friends), merge helpers for option
# types, showing option paths and definitions in messages, and the documentation
# export (optionAttrSetToDocList, optionsJSON).
{ lib }:
let
  inherit (builtins) isAttrs length head tail filter map concatStringsSep attrNames
    elem split isList tryEval all;
  inherit (lib.lists) take last concatMap;
in
rec {
  isOption = lib.isType "option";

  mkOption =
    { default ? null, defaultText ? null, example ? null, description ? null
    , relatedPackages ? null, type ? null, apply ? null, internal ? null
    , visible ? null, readOnly ? null } @ attrs:
    attrs // { _type = "option"; };

  mkEnableOption = name: mkOption {
    default = false;
    example = true;
    description = "Whether to enable ${name}.";
    type = lib.types.bool;
  };

  mkPackageOption = pkgs: name:
    { nullable ? false, default ? name, example ? null, extraDescription ? "", pkgsText ? "pkgs" }:
    let
      name' = if isList name then last name else name;
      default' = if isList default then default else [ default ];
      defaultText = concatStringsSep "." default';
      defaultValue = lib.attrsets.attrByPath default'
        (throw "${pkgsText}.${defaultText} cannot be found in ${pkgsText}") pkgs;
      defaults = if default != null then {
        default = defaultValue;
        defaultText = literalExpression ("${pkgsText}." + defaultText);
      } else lib.optionalAttrs nullable { default = null; };
    in mkOption (defaults // {
      description = "The ${name'} package to use."
        + (if extraDescription == "" then "" else " ") + extraDescription;
      type = with lib.types; (if nullable then nullOr else lib.id) package;
    } // lib.optionalAttrs (example != null) {
      example = literalExpression
        (if isList example then "${pkgsText}." + concatStringsSep "." example else example);
    });
  mkPackageOptionMD = mkPackageOption;

  mkSinkUndeclaredOptions = attrs: mkOption ({
    internal = true;
    visible = false;
    default = false;
    description = "Sink for option definitions.";
    type = lib.types.mkOptionType {
      name = "sink";
      check = x: true;
      merge = loc: defs: false;
    };
    apply = x: throw "Option value is not readable because the option is not declared.";
  } // attrs);

  mergeDefaultOption = loc: defs:
    let list = getValues defs; in
    if length list == 1 then head list
    # Unlike nixpkgs, the applied definitions keep their files, so that merging
    # their results reports them instead of failing on a bare value.
    else if all lib.isFunction list then x: mergeDefaultOption loc (map (d: d // { value = d.value x; }) defs)
    else if all isList list then lib.concatLists list
    else if all isAttrs list then lib.foldl' lib.mergeAttrs { } list
    else if all builtins.isBool list then lib.foldl' lib.or false list
    else if all builtins.isString list then lib.concatStrings list
    else if all builtins.isInt list && all (x: x == head list) list then head list
    else throw "Cannot merge definitions of `${showOption loc}'. Definition values:${showDefs defs}";

  mergeOneOption = mergeUniqueOption { message = ""; };

  mergeUniqueOption = args@{ message, merge ? null }:
    let notUnique = loc: defs:
      throw ''
        The option `${showOption loc}' is defined multiple times while it's expected to be unique.
        ${message}
        Definition values:${showDefs defs}
        ${prioritySuggestion}
      '';
    in
    if merge == null
    then loc: defs: if length defs == 1 then (head defs).value else assert length defs > 1; notUnique loc defs
    else loc: defs: if length defs == 1 then merge loc defs else assert length defs > 1; notUnique loc defs;

  mergeEqualOption = loc: defs:
    if defs == [ ] then abort "This case should never happen."
    else if length defs == 1 then (head defs).value
    else
      let first = head defs; in
      lib.foldl' (val: def:
        if def.value != first.value
        then throw "The option `${showOption loc}' has conflicting definition values:${showDefs [ first def ]}\n${prioritySuggestion}"
        else val) first.value (tail defs);

  prioritySuggestion = ''
    Use `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.
  '';

  getValues = map (x: x.value);
  getFiles = map (x: x.file);

  # Values for documentation: anything not already literal is shown as Nix text.
  renderOptionValue = v:
    if v ? _type && v ? text then v
    else literalExpression (lib.generators.toPretty { multiline = true; allowPrettyValues = true; } v);

  literalExpression = text:
    if !builtins.isString text then throw "literalExpression expects a string."
    else { _type = "literalExpression"; inherit text; };
  literalExample = literalExpression;
  literalMD = text:
    if !builtins.isString text then throw "literalMD expects a string."
    else { _type = "literalMD"; inherit text; };
  mdDoc = text: text;

  scrubOptionValue = x:
    if lib.isDerivation x then { type = "derivation"; drvPath = x.name; outPath = x.name; name = x.name; }
    else if isList x then map scrubOptionValue x
    else if isAttrs x then lib.mapAttrs (n: v: scrubOptionValue v) (removeAttrs x [ "_args" ])
    else x;

  # One entry per visible option (and the sub-options of submodule types), as
  # NixOS's manual builder consumes them.
  optionAttrSetToDocList = optionAttrSetToDocList' [ ];
  optionAttrSetToDocList' = _: options:
    concatMap (opt:
      let
        name = showOption opt.loc;
        docOption = {
          loc = opt.loc;
          inherit name;
          description = opt.description or null;
          declarations = filter (x: x != unknownModule) opt.declarations;
          internal = opt.internal or false;
          visible = if opt ? visible && opt.visible == "shallow" then true else opt.visible or true;
          readOnly = opt.readOnly or false;
          type = opt.type.description or "unspecified";
        }
        // lib.optionalAttrs (opt ? example) {
          example = builtins.addErrorContext "while evaluating the example of option `${name}`" (renderOptionValue opt.example);
        }
        // lib.optionalAttrs (opt ? defaultText || opt ? default) {
          default = builtins.addErrorContext "while evaluating the ${if opt ? defaultText then "defaultText" else "default value"} of option `${name}`"
            (renderOptionValue (opt.defaultText or opt.default));
        }
        // lib.optionalAttrs (opt ? relatedPackages && opt.relatedPackages != null) { inherit (opt) relatedPackages; };
        subOptions =
          let ss = opt.type.getSubOptions opt.loc; in
          if ss != { } then optionAttrSetToDocList' opt.loc ss else [ ];
        subOptionsVisible = docOption.visible && opt.visible or null != "shallow";
      in
      [ docOption ] ++ lib.optionals subOptionsVisible subOptions) (lib.attrsets.collect isOption options);

  # The shape of NixOS's options.json: name -> { loc, description, type, default,
  # example, declarations, readOnly }, internal and invisible options left out.
  optionsJSON = options:
    builtins.listToAttrs (map (o: {
      inherit (o) name;
      value = removeAttrs o [ "name" "internal" "visible" ];
    }) (filter (o: o.visible && !o.internal) (optionAttrSetToDocList options)));

  showOption = parts:
    let
      special = [ "<name>" "*" "<function body>" ];
      part = p: if elem p special then p else lib.strings.escapeNixIdentifier p;
    in concatStringsSep "." (map part parts);

  showOptionWithDefLocs = opt: ''
    ${showOption opt.loc}, with values defined in:
    ${concatMapStringsSep' "\n" (defFile: "  - ${defFile}") opt.files}
  '';
  concatMapStringsSep' = sep: f: l: concatStringsSep sep (map f l);

  showFiles = files: concatStringsSep " and " (map (f: "`${f}'") files);

  # Each definition on its own line; values over five lines are cut, values that
  # cannot be printed are left out.
  showDefs = defs: lib.strings.concatMapStrings (def:
    let
      pretty = tryEval (lib.generators.toPretty { }
        (lib.generators.withRecursion { depthLimit = 10; throwOnDepthLimit = false; } def.value));
      lines = filter (l: !isList l) (split "\n" pretty.value);
      value = concatStringsSep "\n    " (take 5 lines ++ lib.optional (length lines > 5) "...");
      result =
        if !pretty.success then ""
        else if length lines > 1 then ":\n    " + value
        else ": " + value;
    in "\n- In `${def.file}'${result}") defs;

  unknownModule = "<unknown-file>";
}
