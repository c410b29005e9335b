# lib.modules: evalModules (collecting, merging and checking modules), definition
# properties (mkIf, mkMerge, priorities, ordering), and option renames.
{ lib }:
let
  inherit (builtins) isAttrs isList isString isBool attrNames length head filter
    concatMap concatLists elem foldl' mapAttrs zipAttrsWith genericClosure
    addErrorContext removeAttrs sort catAttrs;
  inherit (lib.options) showOption showFiles showDefs isOption mkOption unknownModule;
  inherit (lib.lists) reverseList last init take imap1 optional;
  inherit (lib.attrsets) attrByPath setAttrByPath getAttrFromPath recursiveUpdate;
  inherit (lib.strings) concatStringsSep optionalString;
  inherit (lib.trivial) min;

  # The types and declarations of `_module` that do not depend on the evaluation,
  # built once per lib instead of once per (sub)module evaluation.
  internalOptions = {
    args = mkOption {
      type = lib.types.lazyAttrsOf lib.types.raw;
      internal = true;
      description = "Additional arguments passed to each module in addition to ones like `lib`, `config`, and `pkgs`, `modulesPath`.";
    };
    freeformType = mkOption {
      type = lib.types.nullOr lib.types.optionType;
      internal = true;
      default = null;
      description = "If set, merge all definitions that don't have an associated option together using this type.";
    };
    specialArgs = mkOption {
      readOnly = true;
      internal = true;
      description = "Externally provided module arguments that can't be modified from within a configuration, but can be used in module imports.";
    };
  };

  # lib.isOption without the partial application, for the hot paths.
  isOpt = x: (x._type or "") == "option";
in
rec {
  defaultOverridePriority = 100;
  defaultPriority = defaultOverridePriority;
  defaultOrderPriority = 1000;

  # ---------------------------------------------------------------- evalModules

  evalModules = evalModulesArgs@{ modules, prefix ? [ ], args ? { }, specialArgs ? { }
    , check ? true, class ? null }:
    let
      types = lib.types;

      # Built-in options of every evaluation.
      internalModule = rec {
        _file = "lib/modules.nix";
        key = _file;
        options._module = internalOptions // {
          check = mkOption {
            type = types.bool;
            internal = true;
            default = check;
            description = "Whether to check whether all option definitions have matching declarations.";
          };
        };
        config = {
          _module.args = { inherit extendModules; moduleType = type; } // args;
          _module.specialArgs = specialArgs;
        };
      };

      merged =
        let
          collected = collectModules class (specialArgs.modulesPath or "")
            (modules ++ [ internalModule ])
            ({ inherit lib options config specialArgs; _class = class; _prefix = prefix; } // specialArgs);
        in mergeModules prefix (reverseList collected);

      options = merged.matchedOptions;

      config =
        let
          # The value of every option, in the shape of the option tree.
          configOf = opts: mapAttrs (n: v: if isOpt v then v.value else configOf v) opts;
          declaredConfig = configOf options;
          freeformType = declaredConfig._module.freeformType;
          freeformConfig =
            let
              defs = map (def: { file = def.file; value = setAttrByPath def.prefix def.value; }) merged.unmatchedDefns;
            in if defs == [ ] then { } else freeformType.merge prefix defs;
        in
        if freeformType == null then declaredConfig
        else recursiveUpdate freeformConfig declaredConfig;

      checkUnmatched =
        if config._module.check && config._module.freeformType == null && merged.unmatchedDefns != [ ]
        then throw (unmatchedMessage prefix options (head merged.unmatchedDefns))
        else null;
      checked = builtins.seq checkUnmatched;

      extendModules = extendArgs@{ modules ? [ ], specialArgs ? { }, prefix ? [ ] }:
        evalModules (evalModulesArgs // {
          modules = evalModulesArgs.modules ++ modules;
          specialArgs = evalModulesArgs.specialArgs or { } // specialArgs;
          prefix = extendArgs.prefix or evalModulesArgs.prefix or [ ];
        });

      type = types.submoduleWith { inherit modules specialArgs class; };
    in
    {
      _type = "configuration";
      options = checked options;
      config = checked (removeAttrs config [ "_module" ]);
      _module = checked config._module;
      inherit extendModules type class;
    };

  # "The option `x' does not exist" with up to three near names at the same level.
  unmatchedMessage = prefix: options: def:
    let
      optText = showOption (prefix ++ def.prefix);
      defText = addErrorContext "while evaluating the error message for definitions for `${optText}', which is an option that does not exist"
        (showDefs [ { inherit (def) file value; } ]);
      parent = attrByPath (init def.prefix) { } options;
      siblings = if isOption parent || !isAttrs parent then [ ]
        else filter (n: n != "_module") (attrNames parent);
      wrong = last def.prefix;
      scored = map (n: { name = n; d = lib.strings.levenshtein (lib.toLower n) (lib.toLower wrong); })
        (filter (n: lib.strings.levenshteinAtMost 2 (lib.toLower n) (lib.toLower wrong)) siblings);
      suggestions = map (s: s.name) (take 3 (sort (a: b: a.d < b.d || (a.d == b.d && a.name < b.name)) scored));
      quoted = map (s: "`${showOption (prefix ++ init def.prefix ++ [ s ])}'") suggestions;
      listText =
        if length quoted == 1 then head quoted
        else concatStringsSep ", " (init quoted) + " or " + last quoted;
    in
    "The option `${optText}' does not exist. Definition values:${defText}"
    + optionalString (suggestions != [ ]) "\n\nDid you mean ${listText}?";

  # ------------------------------------------------------------- collecting

  # All modules reachable through `imports`, each once (by key), minus the
  # disabled ones, in the order nixpkgs uses (a module before its imports).
  collectModules = class: modulesPath: initialModules: args:
    let
      loadModule = fallbackFile: fallbackKey: m:
        if builtins.isFunction m || (m ? __functor && lib.isFunction m) then
          unifyModuleSyntax fallbackFile fallbackKey (applyModuleArgs fallbackKey m args)
        else if isAttrs m then
          if m._type or "module" == "module" then unifyModuleSyntax fallbackFile fallbackKey m
          else if m._type == "if" || m._type == "override" || m._type == "merge" then
            loadModule fallbackFile fallbackKey { config = m; }
          else throw "Could not load a value as a module, because it is of type ${lib.strings.escapeNixString m._type}, in file ${toString fallbackFile}."
        else if isList m then
          throw "Module imports can't be nested lists. Perhaps you meant to remove one level of lists? Definitions:${showDefs [ { file = fallbackFile; value = m; } ]}"
        else
          let file = toString m; imported = import m; in
          unifyModuleSyntax file file
            (if builtins.isFunction imported || (imported ? __functor && lib.isFunction imported) then applyModuleArgs file imported args else imported);

      checkClass = module:
        if class != null && module._class != null && module._class != class
        then throw "The module ${module._file} was imported into ${class} instead of ${module._class}."
        else module;

      # Run for every module of every (sub)module evaluation, so written with
      # primops where lib helpers would add calls (genList instead of imap1, no
      # class check without a class, no list for modules that disable nothing).
      collect = parentFile: parentKey: ms:
        builtins.genList (i:
          let
            loaded = loadModule parentFile "${parentKey}:anon-${toString (i + 1)}" (builtins.elemAt ms i);
            module = if class == null then loaded else checkClass loaded;
            sub = collect module._file module.key module.imports;
            subDisabled = concatLists (catAttrs "disabled" sub);
          in {
            inherit (module) key;
            inherit module;
            modules = sub;
            disabled =
              if module.disabledModules == [ ] then subDisabled
              else [ { file = module._file; disabled = module.disabledModules; } ] ++ subDisabled;
          }) (length ms);

      top = collect "<unknown-file>" "" initialModules;
      disabled = concatLists (catAttrs "disabled" top);

      moduleKey = file: m:
        if isString m && builtins.substring 0 1 m != "/" then toString modulesPath + "/" + m
        else if lib.strings.isConvertibleWithToString m then
          (if m ? key && m.key != toString m
           then throw "Module `${file}` contains a disabledModules item that is an attribute set that can be converted to a string (${toString m}) but also has a `.key` attribute (${m.key}) with a different value. This makes it ambiguous which module should be disabled."
           else toString m)
        else if m ? key then m.key
        else if isAttrs m then throw "Module `${file}` contains a disabledModules item that is an attribute set, presumably a module, that does not have a `key` attribute. This means that the module system doesn't have any means to identify the module that should be disabled. Make sure that you've put the correct value in disabledModules: a string path relative to modulesPath, a path value, or an attribute set with a `key` attribute."
        else throw "Each disabledModules item must be a path, string, or a attribute set with a key attribute, or a value supported by toString. However, one of the disabledModules items in `${toString file}` is none of that, but is of type ${builtins.typeOf m}.";

      disabledKeys = concatMap ({ file, disabled }: map (moduleKey file) disabled) disabled;
      keep = filter (a: !elem a.key disabledKeys);
    in
    map (a: a.module) (genericClosure {
      startSet = keep top;
      operator = a: keep a.modules;
    });

  # A function module gets the arguments it names, looked up lazily in specialArgs
  # first and then in `config._module.args`.
  applyModuleArgs = key: f: args@{ config, ... }:
    let
      context = name: "while evaluating the module argument `${name}' in \"${key}\":";
      extraArgs = mapAttrs (name: _:
        addErrorContext (context name) (args.${name} or config._module.args.${name})) (lib.functionArgs f);
    in f (args // extraArgs);

  unifyModuleSyntax = file: key: m:
    let
      addMeta = config: if m ? meta then mkMerge [ config { meta = m.meta; } ] else config;
      addFreeformType = config:
        if m ? freeformType then mkMerge [ config { _module.freeformType = m.freeformType; } ] else config;
      fileOf = toString (m._file or file);
      keyOf = toString (m.key or key);
    in
    if m ? config || m ? options then
      let badAttrs = removeAttrs m [ "_class" "_file" "key" "disabledModules" "imports" "options" "config" "meta" "freeformType" ]; in
      if badAttrs != { } then
        throw "Module `${keyOf}' has an unsupported attribute `${head (attrNames badAttrs)}'. This is caused by introducing a top-level `config' or `options' attribute. Add configuration attributes immediately on the top level instead, or move all of them (namely: ${toString (attrNames badAttrs)}) into the explicit `config' attribute."
      else {
        _file = fileOf;
        _class = m._class or null;
        key = keyOf;
        disabledModules = m.disabledModules or [ ];
        imports = m.imports or [ ];
        options = m.options or { };
        config = addFreeformType (addMeta (m.config or { }));
      }
    else {
      _file = fileOf;
      _class = m._class or null;
      key = keyOf;
      disabledModules = m.disabledModules or [ ];
      imports = m.require or [ ] ++ m.imports or [ ];
      options = { };
      config = addFreeformType (removeAttrs m [ "_class" "_file" "key" "disabledModules" "require" "imports" "freeformType" ]);
    };

  # nest's own: the NixOS `assertions`/`warnings` options as a module.
  assertionsModule = ./assertions-module.nix;

  setDefaultModuleLocation = file: m: { _file = file; imports = [ m ]; };

  importApply = modulePath: staticArg:
    setDefaultModuleLocation modulePath (import modulePath staticArg);

  # ---------------------------------------------------------------- merging

  mergeModules = prefix: modules:
    mergeModules' prefix modules
      (concatMap (m: map (config: { file = m._file; inherit config; }) (pushDownProperties m.config)) modules);

  # One level of the option tree: `modules` carry the declarations at this level
  # (`options`), `defs` the definitions (`config`, properties already pushed down).
  mergeModules' = prefix: modules: defs:
    let
      declsByName = zipAttrsWith (n: concatLists) (map (module:
        let subtree = module.options; in
        if !isAttrs subtree then
          throw ''
            An option declaration for `${concatStringsSep "." prefix}' has type
            `${builtins.typeOf subtree}' rather than an attribute set.
            Did you mean to define this outside of `options'?
          ''
        else mapAttrs (n: option: [ { inherit (module) _file; options = option; } ]) subtree
      ) modules);

      definitionsOf = def:
        let subtree = def.config; in
        if !isAttrs subtree then
          throw "A definition in `${def.file}' sets `${showOption prefix}' to a value that is not an attribute set, but `${showOption prefix}' is a set of options. Definition values:${showDefs [ { inherit (def) file; value = subtree; } ]}"
        else subtree;

      rawDefinitionsByName = zipAttrsWith (n: concatLists) (map (def:
        mapAttrs (n: value: [ { inherit (def) file; inherit value; } ]) (definitionsOf def)) defs);

      # Pushed down from the raw definitions of one name, when it is a tree of options
      # (same order as pushing down each definition's attributes; options need only
      # the raw ones, so this pass is skipped for them).
      pushedDown = raw: concatMap (d: map (config: { inherit (d) file; inherit config; }) (pushDownProperties d.value)) raw;

      resultsByName = mapAttrs (name: decls:
        let
          loc = prefix ++ [ name ];
          defns' = rawDefinitionsByName.${name} or [ ];
          defns = pushedDown defns';
          optionDecls = filter (m: isOpt m.options) decls;
        in
        if length optionDecls == length decls then
          let opt = fixupOptionType loc (mergeOptionDecls loc decls); in
          { matchedOptions = evalOptionValue loc opt defns'; unmatchedDefns = [ ]; }
        else if optionDecls != [ ] then
          if lib.all (x: x.options.type.name or null == "submodule") optionDecls then
            let opt = fixupOptionType loc (mergeOptionDecls loc (map optionTreeToOption decls)); in
            { matchedOptions = evalOptionValue loc opt defns'; unmatchedDefns = [ ]; }
          else
            let first = head optionDecls; nonOptions = filter (m: !isOption m.options) decls; in
            throw "The option `${showOption loc}' in module `${first._file}' would be a parent of the following options, but its type `${first.options.type.description or "<no description>"}' does not support nested options.\n${concatStringsSep "\n" (map (m: "  - option(s) with prefix `${showOption loc}' in module `${m._file}'") nonOptions)}"
        else
          mergeModules' loc decls defns
      ) declsByName;

      matchedOptions = mapAttrs (n: v: v.matchedOptions) resultsByName;

      unmatchedDefns =
        if defs == [ ] then [ ]
        # Options (most names) have none: no list is built for them.
        else concatMap (name:
            let u = resultsByName.${name}.unmatchedDefns; in
            if u == [ ] then [ ] else map (def: def // { prefix = [ name ] ++ (def.prefix or [ ]); }) u) (attrNames resultsByName)
          ++ (let undeclared = removeAttrs rawDefinitionsByName (attrNames declsByName); in
            concatMap (name: map (def: def // { prefix = [ name ]; }) undeclared.${name}) (attrNames undeclared));
    in
    { inherit matchedOptions unmatchedDefns; };

  # A tree of options under a submodule-typed option becomes a module of that
  # submodule.
  optionTreeToOption = decl:
    if isOption decl.options then decl
    else decl // {
      options = mkOption {
        type = lib.types.submoduleWith {
          modules = [ { options = decl.options; } ];
          # Unset, so that it merges with whatever the submodule type declares.
          shorthandOnlyDefinesConfig = null;
        };
      };
    };

  # Most options are declared once: that case skips the fold (same result).
  mergeOptionDecls = loc: opts:
    if length opts == 1 then
      let
        opt = head opts;
        getSubModules = opt.options.type.getSubModules or null;
      in
      opt.options // {
        inherit loc;
        declarations = [ opt._file ];
        options = if getSubModules != null then map (setDefaultModuleLocation opt._file) getSubModules else [ ];
      }
    else
    foldl' (res: opt:
      let
        t = res.type;
        t' = opt.options.type;
        mergedType = t.typeMerge t'.functor;
        typesMergeable = mergedType != null;
        bothHave = k: opt.options ? ${k} && res ? ${k};
        typeSet = if bothHave "type" && typesMergeable then { type = mergedType; } else { };
      in
      if bothHave "default" || bothHave "example" || bothHave "description" || bothHave "apply"
        || (bothHave "type" && !typesMergeable)
      then throw "The option `${showOption loc}' in `${opt._file}' is already declared in ${showFiles res.declarations}."
      else
        let
          getSubModules = opt.options.type.getSubModules or null;
          submodules =
            if getSubModules != null
            then map (setDefaultModuleLocation opt._file) getSubModules ++ res.options
            else res.options;
        in
        opt.options // res // { declarations = res.declarations ++ [ opt._file ]; options = submodules; } // typeSet
    ) { inherit loc; declarations = [ ]; options = [ ]; } opts;

  fixupOptionType = loc: opt:
    if opt.type.getSubModules or null == null
    then opt // { type = opt.type or lib.types.unspecified; }
    else opt // { type = opt.type.substSubModules opt.options; options = [ ]; };

  evalOptionValue = loc: opt: defs:
    let
      defs' =
        if opt ? default
        then [ { file = head opt.declarations; value = { _type = "override"; priority = 1500; content = opt.default; }; } ] ++ defs
        else defs;
      res =
        if opt.readOnly or false && length defs' > 1 then
          let separateDefs = map (def: def // { value = (mergeDefinitions loc opt.type [ def ]).mergedValue; }) defs'; in
          throw "The option `${showOption loc}' is read-only, but it's set multiple times. Definition values:${showDefs separateDefs}"
        else mergeDefinitions loc opt.type defs';
      value = if opt ? apply && opt.apply != null then opt.apply res.mergedValue else res.mergedValue;
      result = opt // {
        value = addErrorContext "while evaluating the option `${showOption loc}':" value;
        inherit (res.defsFinal') highestPrio;
        definitions = map (def: def.value) res.defsFinal;
        files = map (def: def.file) res.defsFinal;
        definitionsWithLocations = res.defsFinal;
        inherit (res) isDefined;
        __toString = _: showOption loc;
      };
    in
    if opt.type.deprecationMessage or null != null
    then lib.warn "The type `types.${opt.type.name}' of option `${showOption loc}' defined in ${showFiles opt.declarations} is deprecated. ${opt.type.deprecationMessage}" result
    else result;

  # Definitions of one option → the list that the type merges: properties
  # discharged, lower priorities dropped, mkOrder applied.
  mergeDefinitions = loc: type: defs: rec {
    defsFinal' =
      let
        defs' = concatMap (m:
          addErrorContext "while evaluating definitions from `${m.file}':" (dischargeDefinition m)) defs;
        defs'' = filterOverrides' defs';
        defs''' =
          if lib.any (def: def.value._type or "" == "order") defs''.values
          then sortProperties defs''.values else defs''.values;
      in { values = defs'''; inherit (defs'') highestPrio; };
    defsFinal = defsFinal'.values;
    mergedValue =
      if isDefined then
        if lib.all (def: type.check def.value) defsFinal then type.merge loc defsFinal
        else
          let allInvalid = filter (def: !type.check def.value) defsFinal; in
          throw "A definition for option `${showOption loc}' is not of type `${type.description}'. Definition values:${showDefs allInvalid}"
      else
        throw "The option `${showOption loc}' was accessed but has no value defined. Try setting the option.";
    isDefined = defsFinal != [ ];
    optionalValue = if isDefined then { value = mergedValue; } else { };
  };

  # mkMerge and mkIf on a whole definition, and mkDefinition's file.
  dischargeDefinition = def:
    let v = def.value; t = v._type or ""; in
    if t == "merge" then concatMap (c: dischargeDefinition { inherit (def) file; value = c; }) v.contents
    else if t == "if" then
      if isBool v.condition then
        (if v.condition then dischargeDefinition { inherit (def) file; value = v.content; } else [ ])
      else throw "‘mkIf’ called with a non-Boolean condition"
    else if t == "definition" then dischargeDefinition { inherit (v) file value; }
    else [ def ];

  dischargeProperties = def:
    map (d: d.value) (dischargeDefinition { file = unknownModule; value = def; });

  # Moves mkMerge/mkIf/mkOverride/mkDefinition from around an attribute set to
  # each of its attributes, so that the names of a definition are known without
  # evaluating conditions.
  pushDownProperties = cfg:
    let t = cfg._type or ""; in
    if t == "merge" then concatMap pushDownProperties cfg.contents
    else if t == "if" then map (mapAttrs (n: v: mkIf cfg.condition v)) (pushDownProperties cfg.content)
    else if t == "override" then map (mapAttrs (n: v: mkOverride cfg.priority v)) (pushDownProperties cfg.content)
    else if t == "definition" then
      map (mapAttrs (n: v: mkDefinition { inherit (cfg) file; value = v; })) (pushDownProperties cfg.value)
    else [ cfg ];

  filterOverrides = defs: (filterOverrides' defs).values;
  filterOverrides' = defs:
    # One definition (a default alone, a single setting) is the common case.
    if length defs == 1 then
      let def = head defs; v = def.value; in
      if v._type or "" == "override"
      then { values = [ (def // { value = v.content; }) ]; highestPrio = v.priority; }
      else { values = defs; highestPrio = defaultOverridePriority; }
    else
    let
      getPrio = def: if def.value._type or "" == "override" then def.value.priority else defaultOverridePriority;
      highestPrio = foldl' (prio: def: min (getPrio def) prio) 9999 defs;
      strip = def: if def.value._type or "" == "override" then def // { value = def.value.content; } else def;
    in {
      values = concatMap (def: if getPrio def == highestPrio then [ (strip def) ] else [ ]) defs;
      inherit highestPrio;
    };

  sortProperties = defs:
    let
      strip = def:
        if def.value._type or "" == "order"
        then def // { value = def.value.content; inherit (def.value) priority; }
        else def;
      prio = d: d.priority or defaultOrderPriority;
    in sort (a: b: prio a < prio b) (map strip defs);

  # -------------------------------------------------------------- properties

  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkAssert = assertion: message: content:
    mkIf (if assertion then true else throw "\nFailed assertion: ${message}") content;
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkDefinition = args@{ file, value, ... }: args // { _type = "definition"; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkImageMediaOverride = mkOverride 60;
  mkForce = mkOverride 50;
  mkVMOverride = mkOverride 10;
  mkFixStrictness = lib.id;
  mkOrder = priority: content: { _type = "order"; inherit priority content; };
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;

  mkAliasDefinitions = mkAliasAndWrapDefinitions lib.id;
  mkAliasAndWrapDefinitions = wrap: option:
    mkAliasIfDef option (wrap (mkMerge option.definitions));
  mkAliasAndWrapDefsWithPriority = wrap: option:
    let prio = option.highestPrio or defaultOverridePriority; in
    mkAliasIfDef option (wrap (mkMerge (map (mkOverride prio) option.definitions)));
  mkAliasIfDef = option: mkIf (isOption option && option.isDefined);

  mkDerivedConfig = opt: f:
    mkOverride (opt.highestPrio or defaultOverridePriority) (f opt.value);

  # ------------------------------------------------------------------ renames

  mkRemovedOptionModule = optionName: replacementInstructions:
    { options, ... }: {
      options = setAttrByPath optionName (mkOption {
        visible = false;
        apply = x: throw "The option `${showOption optionName}' can no longer be used since it's been removed. ${replacementInstructions}";
      });
      config.assertions =
        let opt = getAttrFromPath optionName options; in
        [ {
          assertion = !opt.isDefined;
          message = ''
            The option definition `${showOption optionName}' in ${showFiles opt.files} no longer has any effect; please remove it.
            ${replacementInstructions}
          '';
        } ];
    };

  mkRenamedOptionModule = from: to: doRename {
    inherit from to;
    visible = false;
    warn = true;
    use = builtins.trace "Obsolete option `${showOption from}' is used. It was renamed to `${showOption to}'.";
  };

  mkRenamedOptionModuleWith = { from, to, sinceRelease }: doRename {
    inherit from to;
    visible = false;
    warn = lib.trivial.isInOldestRelease sinceRelease;
    use = lib.trivial.warnIf (lib.trivial.isInOldestRelease sinceRelease)
      "Obsolete option `${showOption from}' is used. It was renamed to `${showOption to}'.";
  };

  mkMergedOptionModule = from: to: mergeFn:
    { config, options, ... }: {
      options = foldl' recursiveUpdate { } (map (path: setAttrByPath path (mkOption {
        visible = false;
        default = "_mkMergedOptionModule";
      })) from);
      config = {
        warnings = filter (x: x != "") (map (f:
          let val = getAttrFromPath f config; opt = getAttrFromPath f options; in
          optionalString (val != "_mkMergedOptionModule")
            "The option `${showOption f}' defined in ${showFiles opt.files} has been changed to `${showOption to}' that has a different type. Please read `${showOption to}' documentation and update your configuration accordingly."
        ) from);
      } // setAttrByPath to (mkMerge (optional
        (lib.any (f: (getAttrFromPath f config) != "_mkMergedOptionModule") from)
        (mergeFn config)));
    };

  mkChangedOptionModule = from: to: changeFn: mkMergedOptionModule [ from ] to changeFn;

  mkAliasOptionModule = from: to: doRename {
    inherit from to;
    visible = true;
    warn = false;
    use = lib.id;
  };
  mkAliasOptionModuleMD = mkAliasOptionModule;

  doRename = { from, to, visible, warn, use, withPriority ? true, condition ? true }:
    { config, options, ... }:
    let
      fromOpt = getAttrFromPath from options;
      toOf = attrByPath to (abort "Renaming error: option `${showOption to}' does not exist.");
      toType = let opt = attrByPath to { } options; in opt.type or (lib.types.submodule { });
    in {
      options = setAttrByPath from (mkOption {
        inherit visible;
        description = "Alias of {option}`${showOption to}`.";
        apply = x: use (toOf config);
      } // lib.optionalAttrs (toType != null) { type = toType; });
      config = lib.mkIf condition (lib.mkMerge [
        (lib.optionalAttrs (options ? warnings) {
          warnings = optional (warn && fromOpt.isDefined)
            "The option `${showOption from}' defined in ${showFiles fromOpt.files} has been renamed to `${showOption to}'.";
        })
        (if withPriority
         then mkAliasAndWrapDefsWithPriority (setAttrByPath to) fromOpt
         else mkAliasAndWrapDefinitions (setAttrByPath to) fromOpt)
      ]);
    };
}
