# lib.trivial: functions on functions, booleans, numbers and versions, and warnings.
{ lib }:
let
  inherit (builtins) isAttrs trace getEnv elem;
in
rec {
  id = x: x;
  const = x: _: x;
  flip = f: a: b: f b a;
  pipe = builtins.foldl' (x: f: f x);
  concat = x: y: x ++ y;
  or = x: y: x || y;
  and = x: y: x && y;
  xor = x: y: (!x) != (!y);
  bitAnd = builtins.bitAnd;
  bitOr = builtins.bitOr;
  bitXor = builtins.bitXor;
  bitNot = builtins.sub (-1);
  boolToString = b: if b then "true" else "false";
  mergeAttrs = x: y: x // y;
  defaultTo = default: x: if x == null then default else x;
  mapNullable = f: a: if a == null then a else f a;
  seq = builtins.seq;
  deepSeq = builtins.deepSeq;
  inherit (builtins) typeOf;

  min = x: y: if x < y then x else y;
  max = x: y: if x > y then x else y;
  mod = base: int: base - (int * (builtins.div base int));
  compare = a: b: if a < b then -1 else if a > b then 1 else 0;
  splitByAndCompare = p: yes: no: a: b:
    if p a then (if p b then yes a b else -1)
    else if p b then 1 else no a b;

  importJSON = path: builtins.fromJSON (builtins.readFile path);
  importTOML = path: builtins.fromTOML (builtins.readFile path);

  # The release this lib follows for API purposes (the NixOS release whose module
  # system it matches).
  release = "24.05";
  codeName = "Uakari";
  versionSuffix = "pre-nest";
  version = release + versionSuffix;
  oldestSupportedRelease = 2311;
  isInOldestRelease = release: release <= oldestSupportedRelease;
  oldestSupportedReleaseIsAtLeast = release: release <= oldestSupportedRelease;
  inNixShell = getEnv "IN_NIX_SHELL" != "";
  inPureEvalMode = !(builtins ? currentSystem);

  # Warnings go to stderr through builtins.trace; NIX_ABORT_ON_WARN turns them into
  # errors, as in nixpkgs.
  warn =
    if elem (getEnv "NIX_ABORT_ON_WARN") [ "1" "true" "yes" ]
    then msg: trace "warning: ${msg}" (abort "NIX_ABORT_ON_WARN=true; warnings are treated as unrecoverable errors.")
    else msg: trace "warning: ${msg}";
  warnIf = cond: msg: if cond then warn msg else x: x;
  warnIfNot = cond: msg: if cond then x: x else warn msg;
  throwIf = cond: msg: if cond then throw msg else x: x;
  throwIfNot = cond: msg: if cond then x: x else throw msg;
  info = msg: trace "INFO: ${msg}";
  showWarnings = warnings: res: lib.lists.foldr (w: x: warn w x) res warnings;
  checkListOfEnum = msg: valid: given:
    let unexpected = lib.lists.subtractLists valid given; in
    throwIfNot (unexpected == [ ])
      "${msg}: ${builtins.concatStringsSep ", " (map toString unexpected)} unexpected; valid ones: ${builtins.concatStringsSep ", " (map toString valid)}";

  # Functors count as functions, and carry their own argument set.
  isFunction = f: builtins.isFunction f || (f ? __functor && isFunction (f.__functor f));
  functionArgs = f:
    if f ? __functor then f.__functionArgs or (functionArgs (f.__functor f))
    else builtins.functionArgs f;
  setFunctionArgs = f: args: { __functor = self: f; __functionArgs = args; };
  mirrorFunctionArgs = f: let fArgs = functionArgs f; in g: setFunctionArgs g fArgs;
  toFunction = v: if isFunction v then v else _: v;

  toHexString = i:
    let
      digits = toBaseDigits 16 i;
      hex = d: if d < 10 then toString d else builtins.elemAt [ "A" "B" "C" "D" "E" "F" ] (d - 10);
    in builtins.concatStringsSep "" (map hex digits);
  toBaseDigits = base: i:
    let
      go = i: if i < base then [ i ] else go (builtins.div i base) ++ [ (i - base * builtins.div i base) ];
    in
    assert base >= 2; assert i >= 0; go i;
}
