# lib.types: option types (check, merge, description, sub-options, type merging),
# including the seed's submoduleWithExtraArgs, heterogeneousAttrsOf and
# nixosSubmodule.
{ lib }:
let
  inherit (builtins) isAttrs isFunction isList isString isBool isInt isFloat attrNames
    length head tail filter concatLists elem foldl' mapAttrs zipAttrsWith all any
    match typeOf listToAttrs removeAttrs;
  inherit (lib.options) mergeDefaultOption mergeOneOption mergeEqualOption
    mergeUniqueOption getValues getFiles showOption showFiles showDefs;
  inherit (lib.lists) last toList;
  inherit (lib.strings) concatMapStringsSep concatStringsSep isStringLike escapeNixString;
  inherit (lib.attrsets) optionalAttrs;

  mergeDefinitions = lib.modules.mergeDefinitions;

  # The attribute set of attribute sets, one per definition, each value carrying
  # its definition's file.
  perAttr = defs: map (def: mapAttrs (n: v: { inherit (def) file; value = v; }) def.value) defs;

  propertyTypes = { merge = true; "if" = true; definition = true; override = true; order = true; };

  # name -> mergeDefinitions of that attribute (of type `typeOf name`) over `defs`.
  # A single definition (the usual case) needs no zipping.
  mergeAttrDefs = loc: typeOf: defs:
    if length defs == 1 then
      let def = head defs; in
      mapAttrs (name: v: mergeDefinitions (loc ++ [ name ]) (typeOf name) [ { inherit (def) file; value = v; } ]) def.value
    else
      zipAttrsWith (name: defs: mergeDefinitions (loc ++ [ name ]) (typeOf name) defs) (perAttr defs);

  # The merged values of the attributes that have one (not all `mkIf false`).
  definedAttrs = merged:
    let undefined = filter (n: !merged.${n}.isDefined) (attrNames merged); in
    mapAttrs (n: m: m.mergedValue) (if undefined == [ ] then merged else removeAttrs merged undefined);

  types = rec {
    isType = type: x: (x._type or "") == type;
    setType = typeName: value: value // { _type = typeName; };
    isOptionType = isType "option-type";

    defaultTypeMerge = f: f':
      let
        mergedWrapped = f.wrapped.typeMerge f'.wrapped.functor;
        mergedPayload = f.binOp f.payload f'.payload;
        hasPayload = f.payload != null && f'.payload != null;
        hasWrapped = f.wrapped != null && f'.wrapped != null;
      in
      if f.name != f'.name then null
      else if (f.payload != null) != (f'.payload != null) || (f.wrapped != null) != (f'.wrapped != null) then null
      else if hasPayload then (if mergedPayload == null then null else f.type mergedPayload)
      else if hasWrapped then (if mergedWrapped == null then null else f.type mergedWrapped)
      else f.type;

    defaultFunctor = name: {
      inherit name;
      type = types.${name} or null;
      wrapped = null;
      payload = null;
      binOp = a: b: null;
    };

    mkOptionType =
      { name, description ? null, descriptionClass ? null, check ? (x: true)
      , merge ? mergeDefaultOption, emptyValue ? { }, getSubOptions ? prefix: { }
      , getSubModules ? null, substSubModules ? m: null
      , typeMerge ? defaultTypeMerge functor, functor ? defaultFunctor name
      , deprecationMessage ? null, nestedTypes ? { } }:
      {
        _type = "option-type";
        inherit name check merge emptyValue getSubOptions getSubModules substSubModules
          typeMerge functor deprecationMessage nestedTypes descriptionClass;
        description = if description == null then name else description;
      };

    # The description of `t` as part of another type's, parenthesized unless
    # `unparenthesize` accepts its class.
    optionDescriptionPhrase = unparenthesize: t:
      if unparenthesize (t.descriptionClass or null) then t.description else "(${t.description})";

    # ------------------------------------------------------------ basic types

    raw = mkOptionType {
      name = "raw";
      description = "raw value";
      descriptionClass = "noun";
      check = x: true;
      merge = mergeOneOption;
    };

    anything = mkOptionType {
      name = "anything";
      description = "anything";
      descriptionClass = "noun";
      check = x: true;
      merge = loc: defs:
        let
          getType = v: if isAttrs v && isStringLike v then "stringCoercibleSet" else typeOf v;
          commonType = foldl' (t: def:
            if getType def.value == t then t
            else throw "The option `${showOption loc}' has conflicting option types in ${showFiles (getFiles defs)}"
          ) (getType (head defs).value) defs;
          mergeFunction = {
            set = (attrsOf anything).merge;
            # One list definition only; merged as `listOf anything` (for mkIf and co.).
            list =
              if length defs > 1
              then throw "The option `${showOption loc}' has conflicting definitions, in ${showFiles (getFiles defs)}."
              else (listOf anything).merge;
            stringCoercibleSet = mergeOneOption;
            lambda = loc: defs: arg: anything.merge (loc ++ [ "<function body>" ])
              (map (def: { file = def.file; value = def.value arg; }) defs);
          }.${commonType} or mergeEqualOption;
        in mergeFunction loc defs;
    };

    unspecified = mkOptionType {
      name = "unspecified";
      description = "unspecified value";
      descriptionClass = "noun";
    };

    bool = mkOptionType {
      name = "bool";
      description = "boolean";
      descriptionClass = "noun";
      check = isBool;
      merge = mergeEqualOption;
    };

    boolByOr = mkOptionType {
      name = "boolByOr";
      description = "boolean (merged using or)";
      descriptionClass = "noun";
      check = isBool;
      merge = loc: defs: foldl' (r: def: r || def.value) false defs;
    };

    int = mkOptionType {
      name = "int";
      description = "signed integer";
      descriptionClass = "noun";
      check = isInt;
      merge = mergeEqualOption;
    };

    ints = rec {
      between = lowest: highest:
        assert lib.assertMsg (lowest <= highest) "ints.between: lowest must be smaller than highest";
        addCheck int (x: x >= lowest && x <= highest) // {
          name = "intBetween";
          description = "integer between ${toString lowest} and ${toString highest} (both inclusive)";
        };
      unsign = bit: range: between 0 (range - 1) // {
        name = "unsignedInt${toString bit}";
        description = "${toString bit} bit unsigned integer; between 0 and ${toString (range - 1)} (both inclusive)";
      };
      sign = bit: range: between (0 - (range / 2)) (range / 2 - 1) // {
        name = "signedInt${toString bit}";
        description = "${toString bit} bit signed integer; between ${toString (0 - (range / 2))} and ${toString (range / 2 - 1)} (both inclusive)";
      };
      unsigned = addCheck int (x: x >= 0) // {
        name = "unsignedInt";
        description = "unsigned integer, meaning >=0";
        descriptionClass = "nonRestrictiveClause";
      };
      positive = addCheck int (x: x > 0) // {
        name = "positiveInt";
        description = "positive integer, meaning >0";
        descriptionClass = "nonRestrictiveClause";
      };
      u8 = unsign 8 256;
      u16 = unsign 16 65536;
      u32 = unsign 32 4294967296;
      s8 = sign 8 256;
      s16 = sign 16 65536;
      s32 = sign 32 4294967296;
    };

    port = ints.u16;

    float = mkOptionType {
      name = "float";
      description = "floating point number";
      descriptionClass = "noun";
      check = isFloat;
      merge = mergeEqualOption;
    };

    number = either int float;

    numbers = {
      between = lowest: highest:
        assert lib.assertMsg (lowest <= highest) "numbers.between: lowest must be smaller than highest";
        addCheck number (x: x >= lowest && x <= highest) // {
          name = "numberBetween";
          # toJSON: toString would print 0.5 as 0.500000.
          description = "integer or floating point number between ${builtins.toJSON lowest} and ${builtins.toJSON highest} (both inclusive)";
        };
      nonnegative = addCheck number (x: x >= 0) // {
        name = "numberNonnegative";
        description = "nonnegative integer or floating point number, meaning >=0";
      };
      positive = addCheck number (x: x > 0) // {
        name = "numberPositive";
        description = "positive integer or floating point number, meaning >0";
      };
    };

    str = mkOptionType {
      name = "str";
      description = "string";
      descriptionClass = "noun";
      check = isString;
      merge = mergeEqualOption;
    };

    nonEmptyStr = mkOptionType {
      name = "nonEmptyStr";
      description = "non-empty string";
      descriptionClass = "noun";
      check = x: str.check x && match "[ \t\n]*" x == null;
      inherit (str) merge;
    };

    singleLineStr =
      let inherit (strMatching "[^\n\r]*\n?") check merge; in
      mkOptionType {
        name = "singleLineStr";
        description = "(optionally newline-terminated) single-line string";
        descriptionClass = "noun";
        inherit check;
        merge = loc: defs: lib.strings.removeSuffix "\n" (merge loc defs);
      };

    strMatching = pattern: mkOptionType {
      name = "strMatching ${escapeNixString pattern}";
      description = "string matching the pattern ${pattern}";
      descriptionClass = "noun";
      check = x: str.check x && match pattern x != null;
      inherit (str) merge;
      functor = defaultFunctor "strMatching" // {
        type = payload: strMatching payload.pattern;
        payload = { inherit pattern; };
        binOp = lhs: rhs: if lhs == rhs then lhs else null;
      };
    };

    separatedString = sep: mkOptionType rec {
      name = "separatedString";
      description =
        if sep == "" then "Concatenated string"
        else "strings concatenated with ${builtins.toJSON sep}";
      descriptionClass = "noun";
      check = isString;
      merge = loc: defs: concatStringsSep sep (getValues defs);
      functor = defaultFunctor name // {
        payload = sep;
        binOp = sepLhs: sepRhs: if sepLhs == sepRhs then sepLhs else null;
      };
    };

    lines = separatedString "\n";
    commas = separatedString ",";
    envVar = separatedString ":";

    string = separatedString "" // {
      name = "string";
      deprecationMessage = "See https://github.com/NixOS/nixpkgs/pull/66346 for better alternative types.";
    };

    passwdEntry = entryType: addCheck entryType
      (s: !(lib.strings.hasInfix ":" s || lib.strings.hasInfix "\n" s)) // {
        name = "passwdEntry ${entryType.name}";
        description = "${optionDescriptionPhrase (class: class == "noun") entryType}, not containing newlines or colons";
      };

    attrs = mkOptionType {
      name = "attrs";
      description = "attribute set";
      check = isAttrs;
      merge = loc: foldl' (res: def: res // def.value) { };
      emptyValue = { value = { }; };
    };

    package = mkOptionType {
      name = "package";
      descriptionClass = "noun";
      check = x: lib.attrsets.isDerivation x || lib.strings.isStorePath x;
      merge = mergeOneOption;
    };

    shellPackage = package // {
      check = x: lib.attrsets.isDerivation x && x ? shellPath;
    };

    path = mkOptionType {
      name = "path";
      descriptionClass = "noun";
      check = x: isStringLike x && builtins.substring 0 1 (toString x) == "/";
      merge = mergeEqualOption;
    };

    pkgs = addCheck (unique { message = "A Nixpkgs pkgs set can not be merged with another pkgs set."; } attrs // {
      name = "pkgs";
      descriptionClass = "noun";
      description = "Nixpkgs package set";
    }) (x: (x._type or null) == "pkgs");

    # ------------------------------------------------------ composite types

    listOf = elemType: mkOptionType rec {
      name = "listOf";
      description = "list of ${optionDescriptionPhrase (class: class == "noun" || class == "composite") elemType}";
      descriptionClass = "composite";
      check = isList;
      # Each element is merged on its own, as a definition of
      # `loc.[definition n-entry m]`; a plain element (no mkIf, priority or order) is
      # merged without mergeDefinitions' passes (same result, same laziness).
      merge = loc: defs:
        concatLists (builtins.genList (i:
          let def = builtins.elemAt defs i; vs = def.value; in
          concatLists (builtins.genList (j:
            let
              v = builtins.elemAt vs j;
              eloc = loc ++ [ "[definition ${toString (i + 1)}-entry ${toString (j + 1)}]" ];
              edefs = [ { inherit (def) file; value = v; } ];
            in
            if !(propertyTypes ? ${v._type or ""}) then [
              (if elemType.check v then elemType.merge eloc edefs
               else (mergeDefinitions eloc elemType edefs).mergedValue)
            ]
            else
              let r = (mergeDefinitions eloc elemType edefs).optionalValue; in
              if r ? value then [ r.value ] else [ ]
          ) (length vs))
        ) (length defs));
      emptyValue = { value = [ ]; };
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "*" ]);
      getSubModules = elemType.getSubModules;
      substSubModules = m: listOf (elemType.substSubModules m);
      functor = defaultFunctor name // { wrapped = elemType; };
      nestedTypes.elemType = elemType;
    };

    nonEmptyListOf = elemType:
      let list = addCheck (listOf elemType) (l: l != [ ]); in
      list // {
        description = "non-empty ${optionDescriptionPhrase (class: class == "noun") list}";
        emptyValue = { };
        substSubModules = m: nonEmptyListOf (elemType.substSubModules m);
      };

    attrsOf = elemType: mkOptionType rec {
      name = "attrsOf";
      description = "attribute set of ${optionDescriptionPhrase (class: class == "noun" || class == "composite") elemType}";
      descriptionClass = "composite";
      check = isAttrs;
      merge = loc: defs: definedAttrs (mergeAttrDefs loc (_: elemType) defs);
      emptyValue = { value = { }; };
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<name>" ]);
      getSubModules = elemType.getSubModules;
      substSubModules = m: attrsOf (elemType.substSubModules m);
      functor = defaultFunctor name // { wrapped = elemType; };
      nestedTypes.elemType = elemType;
    };

    # Attribute names are known without merging any value; an attribute whose
    # definitions are all `mkIf false` reads as the element type's empty value.
    lazyAttrsOf = elemType: mkOptionType rec {
      name = "lazyAttrsOf";
      description = "lazy attribute set of ${optionDescriptionPhrase (class: class == "noun" || class == "composite") elemType}";
      descriptionClass = "composite";
      check = isAttrs;
      merge = loc: defs:
        let
          valueOf = name: defs:
            let merged = mergeDefinitions (loc ++ [ name ]) elemType defs; in
            if merged.isDefined then merged.mergedValue
            else elemType.emptyValue.value or merged.mergedValue;
        in
        # A single definition (e.g. `_module.args` of a submodule) needs no zipping.
        if length defs == 1 then
          let def = head defs; in mapAttrs (name: v: valueOf name [ { inherit (def) file; value = v; } ]) def.value
        else zipAttrsWith valueOf (perAttr defs);
      emptyValue = { value = { }; };
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<name>" ]);
      getSubModules = elemType.getSubModules;
      substSubModules = m: lazyAttrsOf (elemType.substSubModules m);
      functor = defaultFunctor name // { wrapped = elemType; };
      nestedTypes.elemType = elemType;
    };

    # The seed's type: attribute `n` has type `elemTypeFn n`. The description
    # lists the type of a generic attribute, `elemTypeFn "<name>"`, which is also
    # where the documented sub-options come from.
    heterogeneousAttrsOf = elemTypeFn:
      let generic = elemTypeFn "<name>"; in
      mkOptionType rec {
        name = "heterogeneousAttrsOf";
        description = "attribute set of values of many types, including ${optionDescriptionPhrase (class: class == "noun" || class == "composite") generic}";
        descriptionClass = "composite";
        check = isAttrs;
        merge = loc: defs: definedAttrs (mergeAttrDefs loc elemTypeFn defs);
        emptyValue = { value = { }; };
        getSubOptions = prefix: generic.getSubOptions (prefix ++ [ "<name>" ]);
        getSubModules = null;
        substSubModules = m: heterogeneousAttrsOf elemTypeFn;
        functor = defaultFunctor name // { type = payload: heterogeneousAttrsOf payload; payload = elemTypeFn; binOp = a: b: null; };
        nestedTypes.elemType = generic;
      };

    uniq = unique { message = ""; };

    unique = { message }: type: mkOptionType rec {
      name = "unique";
      inherit (type) description descriptionClass check;
      merge = mergeUniqueOption { inherit message; inherit (type) merge; };
      emptyValue = type.emptyValue;
      getSubOptions = type.getSubOptions;
      getSubModules = type.getSubModules;
      substSubModules = m: uniq (type.substSubModules m);
      functor = defaultFunctor name // { wrapped = type; };
      nestedTypes.elemType = type;
    };

    nullOr = elemType: mkOptionType rec {
      name = "nullOr";
      description = "null or ${optionDescriptionPhrase (class: class == "noun" || class == "conjunction") elemType}";
      descriptionClass = "conjunction";
      check = x: x == null || elemType.check x;
      merge = loc: defs:
        let nrNulls = lib.lists.count (def: def.value == null) defs; in
        # One definition (the usual case) needs no counting.
        if length defs == 1 then (if (head defs).value == null then null else elemType.merge loc defs)
        else if nrNulls == length defs then null
        else if nrNulls != 0 then
          throw "The option `${showOption loc}` is defined both null and not null, in ${showFiles (getFiles defs)}."
        else elemType.merge loc defs;
      emptyValue = { value = null; };
      getSubOptions = elemType.getSubOptions;
      getSubModules = elemType.getSubModules;
      substSubModules = m: nullOr (elemType.substSubModules m);
      functor = defaultFunctor name // { wrapped = elemType; };
      nestedTypes.elemType = elemType;
    };

    functionTo = elemType: mkOptionType {
      name = "functionTo";
      description = "function that evaluates to a(n) ${optionDescriptionPhrase (class: class == "noun" || class == "composite") elemType}";
      descriptionClass = "composite";
      check = lib.isFunction;
      merge = loc: defs: fnArgs:
        (mergeDefinitions (loc ++ [ "<function body>" ]) elemType
          (map (fn: { inherit (fn) file; value = fn.value fnArgs; }) defs)).mergedValue;
      getSubOptions = prefix: elemType.getSubOptions (prefix ++ [ "<function body>" ]);
      getSubModules = elemType.getSubModules;
      substSubModules = m: functionTo (elemType.substSubModules m);
      functor = defaultFunctor "functionTo" // { wrapped = elemType; };
      nestedTypes.elemType = elemType;
    };

    enum = values:
      let
        show = v:
          if isString v then ''"${v}"''
          else if isInt v then toString v
          else if isBool v then lib.trivial.boolToString v
          else "<${typeOf v}>";
      in
      mkOptionType rec {
        name = "enum";
        description =
          if values == [ ] then "impossible (empty enum)"
          else if length values == 1 then "value ${show (head values)} (singular enum)"
          else "one of ${concatMapStringsSep ", " show values}";
        descriptionClass = if length values < 2 then "noun" else "conjunction";
        check = x: elem x values;
        merge = mergeEqualOption;
        functor = defaultFunctor name // {
          payload = values;
          binOp = a: b: lib.lists.unique (a ++ b);
        };
      };

    either = t1: t2: mkOptionType rec {
      name = "either";
      description =
        if t1.descriptionClass or null == "nonRestrictiveClause"
        then "${t1.description}, or ${optionDescriptionPhrase (class: class == "noun" || class == "conjunction") t2}"
        else "${optionDescriptionPhrase (class: class == "noun" || class == "conjunction") t1} or ${optionDescriptionPhrase (class: class == "noun" || class == "conjunction" || class == "composite") t2}";
      descriptionClass = "conjunction";
      check = x: t1.check x || t2.check x;
      merge = loc: defs:
        let defList = map (d: d.value) defs; in
        if all (x: t1.check x) defList then t1.merge loc defs
        else if all (x: t2.check x) defList then t2.merge loc defs
        else mergeOneOption loc defs;
      typeMerge = f':
        let
          mt1 = t1.typeMerge (builtins.elemAt f'.wrapped 0).functor;
          mt2 = t2.typeMerge (builtins.elemAt f'.wrapped 1).functor;
        in
        if name == f'.name && mt1 != null && mt2 != null then functor.type mt1 mt2 else null;
      functor = defaultFunctor name // { wrapped = [ t1 t2 ]; };
      nestedTypes.left = t1;
      nestedTypes.right = t2;
    };

    oneOf = ts:
      let
        h = head ts;
        t = tail ts;
      in
      if ts == [ ] then throw "types.oneOf needs to get at least one type in its argument"
      else foldl' either h t;

    coercedTo = coercedType: coerceFunc: finalType:
      assert lib.assertMsg (coercedType.getSubModules == null)
        "coercedTo: coercedType must not have submodules (it’s a ${coercedType.description})";
      mkOptionType rec {
        name = "coercedTo";
        description = "${optionDescriptionPhrase (class: class == "noun") finalType} or ${optionDescriptionPhrase (class: class == "noun") coercedType} convertible to it";
        check = x: (coercedType.check x && finalType.check (coerceFunc x)) || finalType.check x;
        merge = loc: defs:
          let coerceVal = val: if coercedType.check val then coerceFunc val else val; in
          finalType.merge loc (map (def: def // { value = coerceVal def.value; }) defs);
        emptyValue = finalType.emptyValue;
        getSubOptions = finalType.getSubOptions;
        getSubModules = finalType.getSubModules;
        substSubModules = m: coercedTo coercedType coerceFunc (finalType.substSubModules m);
        typeMerge = t: null;
        functor = defaultFunctor name // { wrapped = finalType; };
        nestedTypes.coercedType = coercedType;
        nestedTypes.finalType = finalType;
      };

    addCheck = elemType: check: elemType // { check = x: elemType.check x && check x; };

    optionType = mkOptionType {
      name = "optionType";
      description = "optionType";
      descriptionClass = "noun";
      check = value: value._type or null == "option-type";
      # Several types merge as the types of several declarations of one option do
      # (same errors; submodules get their files).
      merge = loc: defs:
        if length defs == 1 then (head defs).value
        else
          (lib.modules.fixupOptionType loc (lib.modules.mergeOptionDecls loc
            (map (def: { _file = def.file; options = lib.options.mkOption { type = def.value; }; }) defs))).type;
    };

    # ------------------------------------------------------------- submodules

    submoduleWith =
      { modules, specialArgs ? { }, shorthandOnlyDefinesConfig ? false
      , description ? null, class ? null } @ attrs:
      let
        allModules = defs: map ({ value, file }:
          if isAttrs value && shorthandOnlyDefinesConfig == true
          then { _file = file; config = value; }
          else { _file = file; imports = [ value ]; }) defs;

        base = lib.modules.evalModules {
          inherit class specialArgs;
          modules = [ { _module.args.name = lib.modules.mkOptionDefault "‹name›"; } ] ++ modules;
        };

        freeformType = base._module.freeformType;
        name = "submodule";
      in
      mkOptionType {
        inherit name;
        # No descriptionClass, as in nixpkgs: `attribute set of (submodule)`.
        description = if description != null then description else freeformType.description or name;
        check = x: isAttrs x || lib.isFunction x || path.check x;
        # base.extendModules without base's `‹name›` default, which the instance's
        # name overrides anyway, and with the name among the evaluation's `args`
        # (defined in `_module.args` by the module system's own module): two modules
        # less per instance.
        merge = loc: defs:
          (lib.modules.evalModules {
            inherit class specialArgs;
            args = { name = last loc; };
            modules = modules ++ allModules defs;
            prefix = loc;
          }).config;
        emptyValue = { value = { }; };
        getSubOptions = prefix:
          (base.extendModules { inherit prefix; }).options
          // optionalAttrs (freeformType != null) { _freeformOptions = freeformType.getSubOptions prefix; };
        getSubModules = modules;
        substSubModules = m: submoduleWith (attrs // { modules = m; });
        nestedTypes = optionalAttrs (freeformType != null) { inherit freeformType; };
        functor = defaultFunctor name // {
          type = types.submoduleWith;
          payload = { inherit modules class specialArgs shorthandOnlyDefinesConfig description; };
          binOp = lhs: rhs: {
            class =
              if lhs.class == null then rhs.class
              else if rhs.class == null || lhs.class == rhs.class then lhs.class
              else throw "A submoduleWith option is declared multiple times with conflicting class values \"${toString lhs.class}\" and \"${toString rhs.class}\".";
            modules = lhs.modules ++ rhs.modules;
            specialArgs =
              let intersecting = builtins.intersectAttrs lhs.specialArgs rhs.specialArgs; in
              if intersecting == { } then lhs.specialArgs // rhs.specialArgs
              else throw "A submoduleWith option is declared multiple times with the same specialArgs \"${toString (attrNames intersecting)}\"";
            shorthandOnlyDefinesConfig =
              if lhs.shorthandOnlyDefinesConfig == null then rhs.shorthandOnlyDefinesConfig
              else if rhs.shorthandOnlyDefinesConfig == null then lhs.shorthandOnlyDefinesConfig
              else if lhs.shorthandOnlyDefinesConfig == rhs.shorthandOnlyDefinesConfig then lhs.shorthandOnlyDefinesConfig
              else throw "A submoduleWith option is declared multiple times with conflicting shorthandOnlyDefinesConfig values";
            description =
              if lhs.description == null then rhs.description
              else if rhs.description == null || lhs.description == rhs.description then lhs.description
              else throw "A submoduleWith option is declared multiple times with conflicting descriptions";
          };
        };
      };

    submodule = submoduleWithExtraArgs { };

    # The seed's type: the modules see `extraArgs // { name = <attribute name>; }`.
    # extraArgs are passed as specialArgs (usable in `imports`); `name` comes from
    # `_module.args`, so it always wins over an extraArgs `name`.
    submoduleWithExtraArgs = extraArgs: modules: submoduleWith {
      shorthandOnlyDefinesConfig = true;
      modules = toList modules;
      specialArgs = removeAttrs extraArgs [ "name" ];
    };

    # The seed's type for a whole system held by an option. The system module list
    # is `modulesPath` itself when it is a list, else `import modulesPath` (a file,
    # or a directory with a default.nix, evaluating to a list of modules).
    # Definitions that are attribute sets are the system's `config`; functions and
    # paths are modules. `args.modules` are added to every evaluation, the rest of
    # `args` (and `modulesPath` when it is a path) are its specialArgs.
    nixosSubmodule = modulesPath: args:
      let
        systemModules = if isList modulesPath then modulesPath else import modulesPath;
        extraModules = args.modules or [ ];
        specialArgs = removeAttrs args [ "modules" ]
          // optionalAttrs (!isList modulesPath) { inherit modulesPath; };
        toModule = def:
          if isAttrs def.value && !(def.value ? _type && def.value._type != "if" && def.value._type != "merge" && def.value._type != "override")
          then { _file = def.file; config = def.value; }
          else { _file = def.file; imports = [ def.value ]; };
        evalWith = prefix: defs: lib.modules.evalModules {
          inherit prefix specialArgs;
          modules = systemModules ++ extraModules ++ map toModule defs;
        };
      in
      mkOptionType {
        name = "nixosSubmodule";
        description = "system configuration";
        descriptionClass = "noun";
        check = x: isAttrs x || lib.isFunction x || path.check x;
        merge = loc: defs: (evalWith loc defs).config;
        emptyValue = { value = { }; };
        getSubOptions = prefix: (evalWith prefix [ ]).options;
      };

    deferredModule = deferredModuleWith { };
    deferredModuleWith = attrs@{ staticModules ? [ ] }: mkOptionType {
      name = "deferredModule";
      description = "module";
      descriptionClass = "noun";
      check = x: isAttrs x || lib.isFunction x || path.check x;
      merge = loc: defs: {
        imports = staticModules ++ map (def:
          lib.modules.setDefaultModuleLocation "${def.file}, via option ${showOption loc}" def.value) defs;
      };
      inherit (submoduleWith { modules = staticModules; }) getSubOptions;
      getSubModules = staticModules;
      substSubModules = m: deferredModuleWith (attrs // { staticModules = m; });
      functor = defaultFunctor "deferredModuleWith" // {
        type = types.deferredModuleWith;
        payload = { inherit staticModules; };
        binOp = lhs: rhs: { staticModules = lhs.staticModules ++ rhs.staticModules; };
      };
    };

    # A value that is an attribute set with exactly one attribute, the tag, whose
    # value has the type of that tag's option.
    attrTag = tags:
      let
        tags_ = mapAttrs (n: opt:
          if (opt._type or null) != "option"
          then throw "attrTag: the tag `${n}' must be declared with mkOption"
          else opt // { declarations = opt.declarations or [ ]; }) tags;
        choicesStr = concatMapStringsSep ", " lib.strings.escapeNixIdentifier (attrNames tags_);
      in
      mkOptionType {
        name = "attrTag";
        description = "attribute-tagged union";
        descriptionClass = "noun";
        getSubOptions = prefix: mapAttrs (tagName: tagOption: tagOption // { loc = prefix ++ [ tagName ]; }) tags_;
        check = v: isAttrs v && length (attrNames v) == 1 && tags_ ? ${head (attrNames v)};
        merge = loc: defs:
          let
            choice = head (attrNames (head defs).value);
            checkedValueDefs = map (def:
              if head (attrNames def.value) != choice
              then throw "The option `${showOption loc}` is defined both as `${choice}` and `${head (attrNames def.value)}`, in ${showFiles (getFiles defs)}."
              else { inherit (def) file; value = def.value.${choice}; }) defs;
          in
          if tags_ ? ${choice} then {
            ${choice} = (lib.modules.evalOptionValue (loc ++ [ choice ])
              (tags_.${choice} // { declarations = tags_.${choice}.declarations or [ ]; type = tags_.${choice}.type or unspecified; })
              checkedValueDefs).value;
          }
          else throw "The option `${showOption loc}` is defined as ${lib.strings.escapeNixIdentifier choice}, but ${lib.strings.escapeNixIdentifier choice} is not among the valid choices (${choicesStr}). Value ${choice} was defined in ${showFiles (getFiles defs)}.";
        nestedTypes = tags_;
        functor = defaultFunctor "attrTag" // {
          type = payload: types.attrTag payload.tags;
          payload = { tags = tags_; };
          binOp = a: b: null;
        };
      };
  };
in
types
