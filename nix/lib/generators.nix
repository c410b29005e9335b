# lib.generators: rendering Nix values as text (pretty Nix, JSON, key=value, INI).
{ lib }:
let
  inherit (builtins) isAttrs isList isString isFunction isBool isInt isFloat isPath
    attrNames concatStringsSep filter split length functionArgs toJSON elem mapAttrs;
in
rec {
  # Replaces whatever lies deeper than `depthLimit` by "<unevaluated>" (or throws),
  # so that printing a recursive value terminates.
  withRecursion = { depthLimit, throwOnDepthLimit ? true }:
    let
      special = [ "__functor" "__functionArgs" "__toString" "__pretty" ];
      cut = depth: x:
        if depthLimit != null && depth > depthLimit then
          (if throwOnDepthLimit
           then throw "Exceeded maximum eval-depth limit of ${toString depthLimit} while trying to evaluate with `generators.withRecursion'!"
           else "<unevaluated>")
        else x;
      walk = depth: v:
        let next = x: walk (depth + 1) (cut (depth + 1) x); in
        if isAttrs v then mapAttrs (n: x: if elem n special then x else next x) v
        else if isList v then map next v
        else cut (depth + 1) v;
    in walk 0;

  toPretty = { allowPrettyValues ? false, multiline ? true, indent ? "" }:
    let
      go = indent: v:
        let
          introSpace = if multiline then "\n${indent}  " else " ";
          outroSpace = if multiline then "\n${indent}" else " ";
        in
        if isInt v then toString v
        # toJSON: toString keeps six decimals (1.5 would be 1.500000).
        else if isFloat v then builtins.toJSON v
        else if isString v then
          let
            lines = filter (l: !isList l) (split "\n" v);
            escSingle = lib.strings.escape [ "\\" "\"" "\${" ];
            escMulti = builtins.replaceStrings [ "\${" "''" ] [ "''\${" "'''" ];
            single = "\"" + concatStringsSep "\\n" (map escSingle lines) + "\"";
            multi =
              let
                escLines = map escMulti lines;
                lastLine = lib.lists.last escLines;
              in "''" + introSpace + concatStringsSep introSpace (lib.lists.init escLines)
                + (if lastLine == "" then outroSpace else introSpace + lastLine) + "''";
          in
          if multiline && length lines > 1 then multi else single
        else if true == v then "true"
        else if false == v then "false"
        else if null == v then "null"
        else if isPath v then toString v
        else if isList v then
          if v == [ ] then "[ ]"
          else "[" + introSpace + concatStringsSep introSpace (map (go (indent + "  ")) v) + outroSpace + "]"
        else if isFunction v then
          let
            fna = functionArgs v;
            shown = concatStringsSep ", " (lib.attrsets.mapAttrsToList (n: hasDefault: if hasDefault then n + "?" else n) fna);
          in if fna == { } then "<function>" else "<function, args: {${shown}}>"
        else if isAttrs v then
          if attrNames v == [ ] then "{ }"
          else if allowPrettyValues && v ? __pretty && v ? val then v.__pretty v.val
          else if v.type or null == "derivation" then "<derivation ${v.name or "???"}>"
          else "{" + introSpace
            + concatStringsSep introSpace (lib.attrsets.mapAttrsToList (name: value:
              "${lib.strings.escapeNixIdentifier name} = ${builtins.addErrorContext "while evaluating an attribute `${name}`" (go (indent + "  ") value)};") v)
            + outroSpace + "}"
        else abort "generators.toPretty: should never happen (v = ${toString v})";
    in go indent;

  mkValueStringDefault = { }: v:
    if isInt v || isFloat v || isString v || isPath v then toString v
    else if true == v then "true"
    else if false == v then "false"
    else if null == v then "null"
    else if v ? outPath then toString v
    else abort "generators.mkValueStringDefault: ${builtins.typeOf v} not supported: ${toPretty { } v}";

  mkKeyValueDefault = { mkValueString ? mkValueStringDefault { } }: sep: k: v:
    "${lib.strings.escape [ sep ] k}${sep}${mkValueString v}";

  toKeyValue = { mkKeyValue ? mkKeyValueDefault { } "=", listsAsDuplicateKeys ? false, indent ? "" }: attrs:
    let
      mkLine = k: v: indent + mkKeyValue k v + "\n";
      mkLines = if listsAsDuplicateKeys
        then k: v: map (mkLine k) (if isList v then v else [ v ])
        else k: v: [ (mkLine k v) ];
    in lib.strings.concatStrings (lib.lists.concatMap (k: mkLines k attrs.${k}) (attrNames attrs));

  toINI = { mkSectionName ? (name: lib.strings.escape [ "[" "]" ] name), mkKeyValue ? mkKeyValueDefault { } "=", listsAsDuplicateKeys ? false }: attrsOfAttrs:
    concatStringsSep "\n" (lib.attrsets.mapAttrsToList (section: values:
      "[${mkSectionName section}]\n" + toKeyValue { inherit mkKeyValue listsAsDuplicateKeys; } values) attrsOfAttrs);

  toJSON = { }: builtins.toJSON;
  toYAML = { }: builtins.toJSON;
}
