# lib.strings: concatenation, prefixes and suffixes, escaping for shells and Nix,
# versions, and string predicates.
{ lib }:
let
  inherit (builtins) concatStringsSep stringLength substring replaceStrings match split
    filter isString isList isPath head tail length elemAt genList toJSON
    compareVersions parseDrvName foldl' typeOf;
in
rec {
  inherit concatStringsSep stringLength substring replaceStrings match split
    compareVersions typeOf;
  inherit (builtins) toString isString unsafeDiscardStringContext hashString
    getContext hasContext;

  concatStrings = builtins.concatStringsSep "";
  concatMapStrings = f: list: concatStrings (map f list);
  concatImapStrings = f: list: concatStrings (lib.lists.imap1 f list);
  intersperse = separator: list:
    if list == [ ] || length list == 1 then list
    else tail (lib.lists.concatMap (x: [ separator x ]) list);
  concatMapStringsSep = sep: f: list: concatStringsSep sep (map f list);
  concatImapStringsSep = sep: f: list: concatStringsSep sep (lib.lists.imap1 f list);
  concatLines = list: concatStrings (map (s: s + "\n") list);
  join = concatStringsSep;

  makeSearchPath = subDir: paths:
    concatStringsSep ":" (map (path: path + "/" + subDir) (filter (x: x != null) paths));
  makeSearchPathOutput = output: subDir: pkgs:
    makeSearchPath subDir (map (lib.attrsets.getOutput output) pkgs);
  makeLibraryPath = makeSearchPathOutput "lib" "lib";
  makeBinPath = makeSearchPathOutput "bin" "bin";

  optionalString = cond: string: if cond then string else "";

  hasPrefix = pref: str: substring 0 (stringLength pref) str == pref;
  hasSuffix = suffix: content:
    let lenC = stringLength content; lenS = stringLength suffix; in
    lenC >= lenS && substring (lenC - lenS) lenS content == suffix;
  hasInfix = infix: content:
    builtins.match ".*${escapeRegex infix}.*" "${content}" != null;

  stringToCharacters = s: genList (p: substring p 1 s) (stringLength s);
  stringAsChars = f: s: concatMapStrings f (stringToCharacters s);

  escape = list: replaceStrings list (map (c: "\\${c}") list);
  escapeC = list: replaceStrings list (map (c: "\\x${lib.toLower (lib.trivial.toHexString (charToInt c))}") list);

  # Safe strings stay unquoted, like nixpkgs since 23.05.
  escapeShellArg = arg:
    let string = toString arg; in
    if match "[[:alnum:],._+:@%/-]+" string == null
    then "'${replaceStrings [ "'" ] [ "'\\''" ] string}'"
    else string;
  escapeShellArgs = concatMapStringsSep " " escapeShellArg;

  isValidPosixName = name: match "[a-zA-Z_][a-zA-Z0-9_]*" name != null;
  toShellVar = name: value:
    lib.trivial.throwIfNot (isValidPosixName name) "toShellVar: ${name} is not a valid shell variable name" (
      if builtins.isAttrs value && !isStringLike value then
        "declare -A ${name}=(${concatStringsSep " " (lib.attrsets.mapAttrsToList (n: v: "[${escapeShellArg n}]=${escapeShellArg v}") value)})"
      else if isList value then
        "declare -a ${name}=(${escapeShellArgs value})"
      else
        "${name}=${escapeShellArg value}");
  toShellVars = vars: concatStringsSep "\n" (lib.attrsets.mapAttrsToList toShellVar vars);

  escapeNixString = s: escape [ "$" ] (toJSON s);
  escapeRegex = escape (stringToCharacters "\\[{()^$?*+|.");
  escapeNixIdentifier = s:
    if match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null then s else escapeNixString s;
  escapeXML = replaceStrings [ "\"" "'" "<" ">" "&" ] [ "&quot;" "&apos;" "&lt;" "&gt;" "&amp;" ];
  escapeURL =
    let
      unreserved = [ "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" "0" "1" "2" "3" "4" "5" "6" "7" "8" "9" "-" "_" "." "~" ];
      toEscape = lib.attrsets.removeAttrs asciiTable unreserved;
    in replaceStrings (builtins.attrNames toEscape) (map (c: "%${lib.trivial.toHexString c}") (builtins.attrValues toEscape));

  lowerChars = stringToCharacters "abcdefghijklmnopqrstuvwxyz";
  upperChars = stringToCharacters "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  toLower = replaceStrings upperChars lowerChars;
  toUpper = replaceStrings lowerChars upperChars;
  toSentenceCase = str:
    let first = substring 0 1 str; rest = substring 1 (stringLength str) str; in
    toUpper first + toLower rest;

  # Printable ASCII to its code, for charToInt and escaping.
  asciiTable = builtins.listToAttrs (genList (i: {
    name = substring i 1 " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
    value = i + 32;
  }) 95) // { "\t" = 9; "\n" = 10; "\r" = 13; };
  charToInt = c: asciiTable.${c};

  addContextFrom = src: target: substring 0 0 src + target;

  splitString = sep: s:
    let splits = filter isString (split (escapeRegex (toString sep)) (toString s)); in
    map (addContextFrom s) splits;

  removePrefix = prefix: str:
    let preLen = stringLength prefix; in
    if substring 0 preLen str == prefix
    then substring preLen (stringLength str - preLen) str
    else str;
  removeSuffix = suffix: str:
    let sufLen = stringLength suffix; sLen = stringLength str; in
    if sufLen <= sLen && suffix == substring (sLen - sufLen) sufLen str
    then substring 0 (sLen - sufLen) str
    else str;

  splitVersion = builtins.splitVersion;
  versionOlder = v1: v2: compareVersions v2 v1 == 1;
  versionAtLeast = v1: v2: !versionOlder v1 v2;

  getName = x: (parseDrvName (if isString x then x else x.name)).name;
  getVersion = x: (parseDrvName (if isString x then x else x.name)).version;

  enableFeature = flag: feature:
    assert builtins.isBool flag;
    "--${if flag then "enable" else "disable"}-${feature}";
  enableFeatureAs = flag: feature: value:
    enableFeature flag feature + optionalString flag "=${value}";
  withFeature = flag: feature:
    assert builtins.isBool flag;
    "--${if flag then "with" else "without"}-${feature}";
  withFeatureAs = flag: feature: value:
    withFeature flag feature + optionalString flag "=${value}";

  fixedWidthString = width: filler: str:
    let strw = stringLength str; reqWidth = width - (stringLength filler); in
    assert lib.assertMsg (strw <= width) "fixedWidthString: requested string length (${toString width}) must not be shorter than actual length (${toString strw})";
    if strw == width then str else filler + fixedWidthString reqWidth filler str;
  fixedWidthNumber = width: n: fixedWidthString width "0" (toString n);

  floatToString = float: toString float;

  isStringLike = x: isString x || isPath x || x ? outPath || x ? __toString;
  isConvertibleWithToString = x:
    isStringLike x || builtins.elem (typeOf x) [ "null" "int" "float" "bool" ]
    || (isList x && lib.lists.all isConvertibleWithToString x);
  isStorePath = x:
    if isStringLike x then
      let str = toString x; in
      substring 0 1 str == "/" && dirOf str == builtins.storeDir
    else false;

  toInt = str:
    let
      m = match "[[:space:]]*(-?[0-9]+)[[:space:]]*" str;
      parsed = builtins.fromJSON (head m);
    in
    if m == null || match "-?0[0-9]+" (head m) != null
    then throw "toInt: Could not convert ${escapeNixString str} to int."
    else parsed;
  toIntBase10 = str:
    let
      m = match "[[:space:]]*(-?)0*([0-9]+)[[:space:]]*" str;
    in
    if m == null then throw "toIntBase10: Could not convert ${escapeNixString str} to int."
    else let v = builtins.fromJSON (elemAt m 1); in if elemAt m 0 == "-" then 0 - v else v;

  fileContents = file: removeSuffix "\n" (builtins.readFile file);

  trimWith = { start ? false, end ? false }: s:
    let
      regex =
        if start && end then "[[:space:]]*(.*[^[:space:]])[[:space:]]*"
        else if start then "[[:space:]]*(.*)"
        else if end then "(.*[^[:space:]])[[:space:]]*"
        else "(.*)";
      res = match regex s;
    in if res == null then (if start || end then (if match "[[:space:]]*" s != null then "" else s) else s) else head res;
  trim = trimWith { start = true; end = true; };

  commonPrefixLength = a: b:
    let
      m = lib.trivial.min (stringLength a) (stringLength b);
      go = i: if i >= m then m else if substring i 1 a == substring i 1 b then go (i + 1) else i;
    in go 0;
  commonSuffixLength = a: b:
    let
      m = lib.trivial.min (stringLength a) (stringLength b);
      go = i: if i >= m then m
        else if substring (stringLength a - i - 1) 1 a == substring (stringLength b - i - 1) 1 b then go (i + 1) else i;
    in go 0;

  # Edit distance by the classic row-by-row dynamic programme; used for "Did you
  # mean" suggestions, where strings are short.
  levenshtein = a: b:
    let
      ca = stringToCharacters a;
      cb = stringToCharacters b;
      lb = length cb;
      row0 = genList (j: j) (lb + 1);
      step = prev: i: x:
        let
          row = genList (j:
            if j == 0 then i
            else lib.trivial.min
              (lib.trivial.min (elemAt prev j + 1) (elemAt row (j - 1) + 1))
              (elemAt prev (j - 1) + (if x == elemAt cb (j - 1) then 0 else 1))
          ) (lb + 1);
        in row;
      final = foldl' (acc: x: { i = acc.i + 1; row = step acc.row (acc.i + 1) x; }) { i = 0; row = row0; } ca;
    in elemAt final.row lb;
  levenshteinAtMost = k: a: b:
    let d = stringLength a - stringLength b; in
    (if d < 0 then 0 - d else d) <= k && levenshtein a b <= k;

  normalizePath = s:
    let
      go = acc: c: if c == "/" && hasSuffix "/" acc then acc else acc + c;
    in foldl' go "" (stringToCharacters s);

  cmakeBool = name: b: "-D${name}:BOOL=${if b then "TRUE" else "FALSE"}";
  mesonBool = name: b: "-D${name}=${if b then "true" else "false"}";
}
