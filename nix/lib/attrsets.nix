# lib.attrsets: building, querying, mapping and merging attribute sets.
{ lib }:
let
  inherit (builtins) attrNames attrValues listToAttrs mapAttrs filter length head tail
    elemAt isAttrs isList foldl' concatMap hasAttr getAttr catAttrs intersectAttrs
    removeAttrs zipAttrsWith genList;
in
rec {
  inherit attrNames attrValues listToAttrs mapAttrs hasAttr getAttr catAttrs
    intersectAttrs removeAttrs isAttrs zipAttrsWith;

  attrByPath = attrPath: default: set:
    let
      len = length attrPath;
      go = i: s:
        if i == len then s
        else let n = elemAt attrPath i; in
          if isAttrs s && s ? ${n} then go (i + 1) s.${n} else default;
    in go 0 set;

  hasAttrByPath = attrPath: e:
    let
      len = length attrPath;
      go = i: s:
        if i == len then true
        else let n = elemAt attrPath i; in isAttrs s && s ? ${n} && go (i + 1) s.${n};
    in go 0 e;

  attrsToList = set: map (name: { inherit name; value = set.${name}; }) (attrNames set);

  setAttrByPath = attrPath: value:
    let
      len = length attrPath;
      go = i: if i == len then value else { ${elemAt attrPath i} = go (i + 1); };
    in go 0;

  getAttrFromPath = attrPath: set:
    let
      len = length attrPath;
      go = i: s:
        if i == len then s
        else let n = elemAt attrPath i; in
          if isAttrs s && s ? ${n} then go (i + 1) s.${n}
          else throw "cannot find attribute `${lib.concatStringsSep "." attrPath}'";
    in go 0 set;

  concatMapAttrs = f: v: foldl' (a: b: a // b) { } (attrValues (mapAttrs f v));

  attrVals = nameList: set: map (x: set.${x}) nameList;
  getAttrs = names: attrs: lib.genAttrs names (name: attrs.${name});

  filterAttrs = pred: set:
    listToAttrs (concatMap (name: let v = set.${name}; in
      if pred name v then [ { inherit name; value = v; } ] else [ ]) (attrNames set));

  filterAttrsRecursive = pred: set:
    listToAttrs (concatMap (name:
      let v = set.${name}; in
      if pred name v then [ {
        inherit name;
        value = if isAttrs v then filterAttrsRecursive pred v else v;
      } ] else [ ]) (attrNames set));

  foldlAttrs = f: init: set: foldl' (acc: name: f acc name set.${name}) init (attrNames set);

  foldAttrs = op: nul: list_of_attrs:
    foldl' (a: n: foldl' (a': name: a' // { ${name} = op n.${name} (a.${name} or nul); }) a (attrNames n))
      { } (lib.lists.reverseList list_of_attrs);

  collect = pred: attrs:
    if pred attrs then [ attrs ]
    else if isAttrs attrs then concatMap (collect pred) (attrValues attrs)
    else [ ];

  cartesianProduct = lib.lists.cartesianProduct;

  nameValuePair = name: value: { inherit name value; };

  mapAttrs' = f: set: listToAttrs (map (attr: f attr set.${attr}) (attrNames set));

  mapAttrsToList = f: attrs: map (name: f name attrs.${name}) (attrNames attrs);
  mapAttrsFlatten = mapAttrsToList;

  mapAttrsRecursive = f: set: mapAttrsRecursiveCond (as: true) f set;
  mapAttrsRecursiveCond = cond: f: set:
    let
      recurse = path: mapAttrs (name: value:
        if isAttrs value && cond value then recurse (path ++ [ name ]) value
        else f (path ++ [ name ]) value);
    in recurse [ ] set;

  genAttrs = names: f: listToAttrs (map (n: { name = n; value = f n; }) names);

  isDerivation = value: value.type or null == "derivation";

  optionalAttrs = cond: as: if cond then as else { };

  zipAttrsWithNames = names: f: sets:
    listToAttrs (map (name: { inherit name; value = f name (catAttrs name sets); }) names);
  zipAttrs = zipAttrsWith (name: values: values);

  mergeAttrsList = list: foldl' (a: b: a // b) { } list;

  recursiveUpdateUntil = pred: lhs: rhs:
    let
      f = attrPath: zipAttrsWith (n: values:
        let here = attrPath ++ [ n ]; in
        if length values == 1 || pred here (elemAt values 1) (head values)
        then head values
        else f here values);
    in f [ ] [ rhs lhs ];

  recursiveUpdate = lhs: rhs:
    recursiveUpdateUntil (path: lhs: rhs: !(isAttrs lhs && isAttrs rhs)) lhs rhs;

  matchAttrs = pattern: attrs:
    assert isAttrs pattern;
    lib.all (n:
      let pat = pattern.${n}; in
      attrs ? ${n} && (if isAttrs pat then isAttrs attrs.${n} && matchAttrs pat attrs.${n} else pat == attrs.${n})
    ) (attrNames pattern);

  overrideExisting = old: new: mapAttrs (name: value: new.${name} or value) old;

  showAttrPath = path: if path == [ ] then "<root attribute path>"
    else lib.concatMapStringsSep "." lib.strings.escapeNixIdentifier path;

  getOutput = output: pkg:
    if !pkg ? outputSpecified || !pkg.outputSpecified then pkg.${output} or pkg.out or pkg else pkg;
  getBin = getOutput "bin";
  getLib = getOutput "lib";
  getDev = getOutput "dev";
  getMan = getOutput "man";

  # The main program of a package: meta.mainProgram, else the package's name.
  getExe = x: getExe' x (x.meta.mainProgram or (lib.strings.getName x));
  getExe' = x: y:
    assert lib.assertMsg (isDerivation x) "lib.meta.getExe': The first argument is of type ${builtins.typeOf x}, but it should be a derivation instead.";
    "${getBin x}/bin/${y}";

  recurseIntoAttrs = attrs: attrs // { recurseForDerivations = true; };
  dontRecurseIntoAttrs = attrs: attrs // { recurseForDerivations = false; };

  unionOfDisjoint = x: y:
    let
      common = intersectAttrs x y;
      collisions = lib.concatStringsSep " " (attrNames common);
      mask = mapAttrs (name: value: throw "unionOfDisjoint: collision on ${name}; complete list: ${collisions}") common;
    in (x // y) // mask;
}
