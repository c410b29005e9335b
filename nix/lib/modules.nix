# lib.modules: evalModules (collecting, merging and checking modules), definition
# properties (mkIf, mkMerge, priorities, ordering), and option renames.
{ lib }:
let
  inherit (builtins) isAttrs isList isString isBool attrNames length head filter
    concatMap concatLists elem foldl' mapAttrs zipAttrsWith genericClosure
    addErrorContext removeAttrs sort catAttrs any all;
  inherit (lib.options) showOption showFiles showDefs isOption mkOption unknownModule;
  inherit (lib.lists) reverseList last init take imap1 optional;
  inherit (lib.attrsets) attrByPath setAttrByPath getAttrFromPath recursiveUpdate;
  inherit (lib.strings) concatStringsSep optionalString;

  # The types and declarations of `_module` that do not depend on the evaluation,
  # built once per lib instead of once per (sub)module evaluation: `_module.args` is
  # internal only below the top level (as in nixpkgs, it is documented once, at the
  # root of the option tree).
  internalOptionsWith = argsInternal: {
    args = mkOption ({
      type = lib.types.lazyAttrsOf lib.types.raw;
      description = "Additional arguments passed to each module in addition to ones like `lib`, `config`, and `pkgs`, `modulesPath`.";
    } // (if argsInternal then { internal = true; } else { }));
    check = mkOption {
      type = lib.types.bool;
      internal = true;
      default = true;
      description = "Whether to check whether all option definitions have matching declarations.";
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
  internalOptionsTop = internalOptionsWith false;
  internalOptionsNested = internalOptionsWith true;

  # The `_type`s a definition can carry that the module system acts on; anything else
  # is a plain value (one attribute lookup instead of a chain of comparisons).
  propertyTypes = { merge = true; "if" = true; definition = true; override = true; order = true; };
  # The ones pushDownProperties moves into attribute sets.
  pushedTypes = { merge = true; "if" = true; definition = true; override = true; };
  # zipAttrsWith's function that keeps each name's list as it is: a primop call
  # (`seq name values` is `values`) instead of two lambda calls per name.
  listOfName = builtins.seq;

  # The ones dischargeDefinition removes.
  dischargedTypes = { merge = true; "if" = true; definition = true; };

  # pushDownProperties (mergeModules and mergeModules' check `pushedTypes` first:
  # most definitions are plain attribute sets, which need no pushing down, and empty
  # ones define nothing).
  pushDownPropertiesOf = cfg:
    let t = cfg._type or ""; in
    if t == "merge" then concatMap pushDownPropertiesOf cfg.contents
    else if t == "if" then map (mapAttrs (n: v: { _type = "if"; inherit (cfg) condition; content = v; })) (pushDownPropertiesOf cfg.content)
    else if t == "override" then map (mapAttrs (n: v: { _type = "override"; inherit (cfg) priority; content = v; })) (pushDownPropertiesOf cfg.content)
    else if t == "definition" then
      map (mapAttrs (n: v: { _type = "definition"; inherit (cfg) file; value = v; })) (pushDownPropertiesOf cfg.value)
    else [ cfg ];
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
      # Already in the shape unifyModuleSyntax gives, so it skips loading (its place
      # among the modules is the same: last of the top-level ones).
      internalModule = {
        _file = "lib/modules.nix";
        _class = null;
        key = "lib/modules.nix";
        disabledModules = [ ];
        imports = [ ];
        options._module = if prefix == [ ] then internalOptionsTop else internalOptionsNested;
        config = {
          _module.args =
            if args == { } then { inherit extendModules; moduleType = type; }
            else { inherit extendModules; moduleType = type; } // args;
          _module.specialArgs = specialArgs;
        };
      };

      # The deprecated `check` argument, as in nixpkgs: a module of its own after the
      # given ones defines `_module.check` (mkDefault), and the result warns.
      regularModules =
        if evalModulesArgs ? check then modules ++ [ { config._module.check = mkDefault check; } ]
        else modules;

      merged =
        let
          collected = collectModulesWith class (specialArgs.modulesPath or "") regularModules [ internalModule ]
            ({ inherit lib options config specialArgs; _class = class; _prefix = prefix; } // specialArgs);
        in mergeModules prefix (reverseList collected);

      options = merged.matchedOptions;

      config =
        let
          # The value of every option, in the shape of the option tree.
          configOf = opts: mapAttrs (n: v: if (v._type or "") == "option" then v.value else configOf v) opts;
          declaredConfig = configOf options;
          # `_module.freeformType` declared only by the module system's own module
          # (its default, null) and defined nowhere, as in almost every evaluation:
          # null without evaluating the option.
          freeformType =
            if length (merged.declsByName._module or [ ]) == 1
              && !(any (d: any (c: isAttrs c && c ? freeformType) (pushDownPropertiesOf d.value))
                (merged.rawDefinitionsByName._module or [ ]))
            then null
            else declaredConfig._module.freeformType;
          freeformConfig =
            let
              defs = map (def: { file = def.file; value = setAttrByPath def.prefix def.value; }) merged.unmatchedDefns;
            in if defs == [ ] then { } else freeformType.merge prefix defs;
        in
        if freeformType == null then declaredConfig
        else recursiveUpdate freeformConfig declaredConfig;

      # Definitions without options first: there are none in almost every evaluation,
      # which then needs neither `_module.check` nor `_module.freeformType`.
      checkUnmatched =
        if merged.unmatchedDefns != [ ] && config._module.check && config._module.freeformType == null
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

      result = {
        _type = "configuration";
        options = checked options;
        config = checked (removeAttrs config [ "_module" ]);
        _module = checked config._module;
        inherit extendModules type class;
      };
    in
    if evalModulesArgs ? check
    then lib.warn "The check argument to evalModules is deprecated. Please set config._module.check instead." result
    else result;

  # "The option `x' does not exist" with up to three near names at the same level,
  # and nixpkgs' hint when no option is declared at all at this level.
  unmatchedMessage = prefix: options: def:
    let
      optText = showOption (prefix ++ def.prefix);
      defText = addErrorContext "while evaluating the error message for definitions for `${optText}', which is an option that does not exist"
        (addErrorContext "while evaluating a definition from `${def.file}'" (showDefs [ { inherit (def) file value; } ]));
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
      baseMsg = "The option `${optText}' does not exist. Definition values:${defText}"
        + optionalString (suggestions != [ ]) "\n\nDid you mean ${listText}?";
      # Only `_module`, the module system's own, is declared.
      nothingDeclared = attrNames options == [ "_module" ];
    in
    if !nothingDeclared then baseMsg
    else if showOption prefix == "" then ''
      ${baseMsg}

      It seems as if you're trying to declare an option by placing it into `config' rather than `options'!
    ''
    else ''
      ${baseMsg}

      However there are no options defined in `${showOption prefix}'. Are you sure you've
      declared your options properly? This can happen if you e.g. declared your options in `types.submodule'
      under `config' rather than `options'.
    '';

  # ------------------------------------------------------------- collecting

  # All modules reachable through `imports`, each once (by key), minus the
  # disabled ones, in the order nixpkgs uses (a module before its imports).
  collectModules = class: modulesPath: initialModules: args:
    collectModulesWith class modulesPath initialModules [ ] args;

  # collectModules, with `loaded` (modules in unifyModuleSyntax's shape, importing
  # nothing) after the initial ones.
  collectModulesWith = class: modulesPath: initialModules: loaded: args:
    let
      # applyModuleArgs with the names of `args` known once per evaluation: a module
      # whose arguments are all in `args` (most are) gets `args` itself, not a copy.
      argNames = attrNames args;
      applyArgs = key: f:
        let missing = removeAttrs (lib.functionArgs f) argNames; in
        if missing == { } then f args
        else f (args // mapAttrs (name: _:
          addErrorContext "while evaluating the module argument `${name}' in \"${key}\":"
            args.config._module.args.${name}) missing);

      loadModule = fallbackFile: fallbackKey: m:
        if builtins.isFunction m || (m ? __functor && lib.isFunction m) then
          unifyModuleSyntax fallbackFile fallbackKey (applyArgs fallbackKey m)
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
            (if builtins.isFunction imported || (imported ? __functor && lib.isFunction imported) then applyArgs file imported else imported);

      checkClass = module:
        if class != null && module._class != null && module._class != class
        then throw "The module ${module._file} was imported into ${class} instead of ${module._class}."
        else module;

      # Run for every module of every (sub)module evaluation, so written with
      # primops where lib helpers would add calls (genList instead of imap1, no
      # class check without a class, no list for modules that disable nothing).
      # `parent`: the module whose `imports` these are (its `_file` and `key`).
      collect = parent:
        # Most modules import nothing.
        if parent.imports == [ ] then [ ] else
        let
          parentFile = parent._file; parentKey = parent.key; ms = parent.imports;
          # Applied to the file once per list of imports, not once per module.
          unifyHere = unifyModuleSyntax parentFile;
        in
        builtins.genList (i:
          let
            m = builtins.elemAt ms i;
            key = "${parentKey}:anon-${toString (i + 1)}";
            # Functions and attribute sets (most modules) straight to
            # unifyModuleSyntax; paths, functors and properties through loadModule.
            loaded =
              if builtins.isFunction m then unifyHere key (applyArgs key m)
              else if isAttrs m && !(m ? __functor) && (m._type or "module") == "module" then unifyHere key m
              else loadModule parentFile key m;
            module = if class == null then loaded else checkClass loaded;
            sub = collect module;
          in {
            inherit (module) key;
            inherit module;
            modules = sub;
            disabled =
              if module.disabledModules == [ ] then (if sub == [ ] then [ ] else concatLists (catAttrs "disabled" sub))
              else [ { file = module._file; disabled = module.disabledModules; } ] ++ concatLists (catAttrs "disabled" sub);
          }) (length ms);

      top = collect { _file = "<unknown-file>"; key = ""; imports = initialModules; }
        ++ map (module: { inherit (module) key; inherit module; modules = [ ]; disabled = [ ]; }) loaded;
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
    catAttrs "module" (
      if disabled == [ ] then genericClosure { startSet = top; operator = a: a.modules; }
      else genericClosure { startSet = keep top; operator = a: keep a.modules; });

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
        # Most modules have neither `meta` nor `freeformType`: no call for them.
        config = if m ? meta || m ? freeformType then addFreeformType (addMeta (m.config or { })) else m.config or { };
      }
    # The shorthand (a module that is all `config`), which must be an attribute set.
    else if !isAttrs m then throw "module ${file} (${key}) does not look like a module."
    else {
      _file = fileOf;
      _class = m._class or null;
      key = keyOf;
      disabledModules = m.disabledModules or [ ];
      imports = m.require or [ ] ++ m.imports or [ ];
      options = { };
      config = let c = removeAttrs m [ "_class" "_file" "key" "disabledModules" "require" "imports" "freeformType" ]; in
        if m ? freeformType then addFreeformType c else c;
    };

  # nest's own: the NixOS `assertions`/`warnings` options as a module.
  assertionsModule = ./assertions-module.nix;

  setDefaultModuleLocation = file: m: { _file = file; imports = [ m ]; };

  importApply = modulePath: staticArg:
    setDefaultModuleLocation modulePath (import modulePath staticArg);

  # ---------------------------------------------------------------- merging

  mergeModules = prefix: modules:
    mergeModules' prefix modules (concatMap (m:
      let c = m.config; in
      if c == { } then [ ]
      else if pushedTypes ? ${c._type or ""} then map (config: { file = m._file; inherit config; }) (pushDownPropertiesOf c)
      else [ { file = m._file; config = c; } ]) modules);

  # One level of the option tree: `modules` carry the declarations at this level
  # (`options`), `defs` the definitions (`config`, properties already pushed down).
  mergeModules' = prefix: modules: defs:
    let
      declsByName = zipAttrsWith listOfName (map (module:
        let subtree = module.options; in
        if !isAttrs subtree then
          throw ''
            An option declaration for `${concatStringsSep "." prefix}' has type
            `${builtins.typeOf subtree}' rather than an attribute set.
            Did you mean to define this outside of `options'?
          ''
        else subtree
      ) modules);

      # The modules declaring each name, in module order, and the declarations of a
      # name with their modules' files: what a name declared more than once or
      # holding a tree of options needs. An option declared once needs only its file,
      # and only when it is asked for: the per-name lambdas here run only then.
      modulesByName = zipAttrsWith listOfName (map (module: mapAttrs (n: _: module) module.options) modules);
      declsOf = name: map (m: { inherit (m) _file; options = m.options.${name}; }) modulesByName.${name};

      definitionsOf = def:
        let subtree = def.config; in
        if !isAttrs subtree then
          throw ''
            In module `${def.file}', you're trying to define a value of type `${builtins.typeOf subtree}'
            rather than an attribute set for the option
            `${concatStringsSep "." prefix}'!

            This usually happens if `${concatStringsSep "." prefix}' has option
            definitions inside that are not matched. Please check how to properly define
            this option by e.g. referring to `man 5 configuration.nix'!
          ''
        else subtree;

      rawDefinitionsByName =
        if defs == [ ] then { }
        else if length defs == 1 then
          let def = head defs; file = def.file; in mapAttrs (n: value: [ { inherit file value; } ]) (definitionsOf def)
        else zipAttrsWith listOfName (map (def:
          let file = def.file; in mapAttrs (n: value: { inherit file value; }) (definitionsOf def)) defs);

      # Pushed down from the raw definitions of one name, when it is a tree of options
      # (same order as pushing down each definition's attributes; options need only
      # the raw ones, so this pass is skipped for them).
      pushedDown = raw: concatMap (d:
        let c = d.value; in
        if c == { } then [ ]
        else if pushedTypes ? ${c._type or ""} then map (config: { inherit (d) file; inherit config; }) (pushDownPropertiesOf c)
        else [ { inherit (d) file; config = c; } ]) raw;

      # The options at this level, and the trees of options below it. A name declared
      # once as an option (most names) is evaluated right here: mergeOptionDecls,
      # fixupOptionType and evalOptionValue in one, with one copy of the
      # declaration's attributes, and the usual definition lists (none or one, with
      # or without a default) without the general passes. Same result as the three.
      matchedOptions = mapAttrs (name: decls:
        if length decls == 1 && ((head decls)._type or "") == "option" then
          # Few bindings: each is a thunk made for every option.
          let
            loc = prefix ++ [ name ];
            defs = rawDefinitionsByName.${name} or [ ];
            opt = head decls;
            file = (head modulesByName.${name})._file;
            type =
              let getSubModules = opt.type.getSubModules or null; in
              if getSubModules == null then opt.type or lib.types.unspecified
              else opt.type.substSubModules (map (setDefaultModuleLocation file) getSubModules);
            fin =
              if opt.readOnly or false && length defs + (if opt ? default then 1 else 0) > 1 then
                throw (readOnlyMessage loc type ((if opt ? default then [ (defaultDefOf file opt.default) ] else [ ]) ++ defs))
              else if !(opt ? default) then finalDefs defs
              else if defs == [ ] then {
                values =
                  if (opt.default._type or "") == "order" then sortProperties [ { inherit file; value = opt.default; } ]
                  else [ { inherit file; value = opt.default; } ];
                highestPrio = 1500;
              }
              else if length defs == 1 then
                let v = (head defs).value; t = v._type or ""; in
                # A plain definition, or one with a higher priority than the
                # default's, leaves the default out.
                if !(propertyTypes ? ${t}) then { values = defs; highestPrio = defaultOverridePriority; }
                else if t == "override" && v.priority < 1500 then finalDefs defs
                else finalDefsGeneral ([ (defaultDefOf file opt.default) ] ++ defs)
              else finalDefsGeneral ([ (defaultDefOf file opt.default) ] ++ defs);
            defsFinal = fin.values;
            result = opt // {
              inherit loc type;
              isDefined = defsFinal != [ ];
              declarations = [ file ];
              options = noOptions;
              value = addErrorContext "while evaluating the option `${showOption loc}':" (
                let
                  merged =
                    if defsFinal == [ ] then throw "The option `${showOption loc}' was accessed but has no value defined. Try setting the option."
                    else if (if length defsFinal == 1 then type.check (head defsFinal).value else all (def: type.check def.value) defsFinal)
                    then type.merge loc defsFinal
                    else throw (notOfTypeMessage loc type defsFinal);
                in
                if opt ? apply && opt.apply != null then opt.apply merged else merged);
              inherit (fin) highestPrio;
              definitions = map (def: def.value) defsFinal;
              files = map (def: def.file) defsFinal;
              definitionsWithLocations = defsFinal;
              __toString = optionToString;
            };
          in
          if type.deprecationMessage or null != null
          then lib.warn "The type `types.${type.name}' of option `${showOption loc}' defined in ${showFiles [ file ]} is deprecated. ${type.deprecationMessage}" result
          else result
        else resultsByName.${name}.matchedOptions
      ) declsByName;

      # Names declared more than once or holding a tree of options.
      resultsByName = mapAttrs (name: _:
        let
          decls = declsOf name;
          loc = prefix ++ [ name ];
          defns' = rawDefinitionsByName.${name} or [ ];
          # A declaration with another `_type` (e.g. a type where mkOption belongs)
          # is an error.
          optionDecls = filter (m: m.options ? _type
            && (m.options._type == "option" || throwDeclarationTypeError loc m.options._type m._file)) decls;
        in
        if length decls == 1 && optionDecls == [ ] then mergeModules' loc decls (pushedDown defns')
        else if length optionDecls == length decls then
          let opt = fixupOptionType loc (mergeOptionDecls loc decls); in
          { matchedOptions = evalOptionValue loc opt defns'; unmatchedDefns = [ ]; }
        else if optionDecls != [ ] then
          if lib.all (x: x.options.type.name or null == "submodule") optionDecls then
            let opt = fixupOptionType loc (mergeOptionDecls loc (map optionTreeToOption decls)); in
            { matchedOptions = evalOptionValue loc opt defns'; unmatchedDefns = [ ]; }
          else
            let first = head optionDecls; nonOptions = filter (m: !isOption m.options) decls; in
            throw "The option `${showOption loc}' in module `${first._file}' would be a parent of the following options, but its type `${first.options.type.description or "<no description>"}' does not support nested options.\n${showRawDecls loc nonOptions}"
        else
          mergeModules' loc decls (pushedDown defns')
      ) declsByName;

      # In name order, as nixpkgs: the definitions of an undeclared name, and the
      # unmatched ones in the subtree of a declared name with definitions (options
      # never have any).
      unmatchedDefns =
        if defs == [ ] then [ ]
        else
          concatMap (name:
            if declsByName ? ${name} then
              let
                decls = declsByName.${name};
                u =
                  if length decls == 1 && ((head decls)._type or "") == "option" then [ ]
                  else resultsByName.${name}.unmatchedDefns;
              in
              if u == [ ] then [ ] else map (def: def // { prefix = [ name ] ++ (def.prefix or [ ]); }) u
            else map (def: def // { prefix = [ name ]; }) rawDefinitionsByName.${name}) (attrNames rawDefinitionsByName);
    in
    # The two zips are for evalModules' look at `_module`.
    { inherit matchedOptions unmatchedDefns declsByName rawDefinitionsByName; };

  # "In module <file>: expected an option declaration at option path `a.b` but
  # got …", with nixpkgs' advice when the value is a type.
  throwDeclarationTypeError = loc: actualTag: file:
    let
      name = lib.strings.escapeNixIdentifier (last loc);
      # The full path too, for a nested option: the example repeats only the name.
      comment = optionalString (length loc > 1) "\n    # ${showOption loc}";
      paragraphs = [
        "In module ${file}: expected an option declaration at option path `${showOption loc}` but got an attribute set with type ${actualTag}"
      ] ++ optional (actualTag == "option-type") ''
        When declaring an option, you must wrap the type in a `mkOption` call. It should look somewhat like:
            ${comment}
            ${name} = lib.mkOption {
              description = ...;
              type = <the type you wrote for ${name}>;
              ...
            };
      '';
    in
    throw (concatStringsSep "\n\n" paragraphs);

  # The lines of the "would be a parent of the following options" error: one per
  # name below `loc` declared as a tree of options, sorted.
  showRawDecls = loc: decls:
    concatStringsSep "\n" (sort (a: b: a < b) (concatMap (decl:
      map (n: " - option(s) with prefix `${showOption (loc ++ [ n ])}' in module `${decl._file}'") (attrNames decl.options)) decls));

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
      fin =
        if opt.readOnly or false && length defs' > 1 then throw (readOnlyMessage loc opt.type defs')
        else finalDefs defs';
      type = opt.type;
      defsFinal = fin.values;
      merged =
        if defsFinal == [ ] then throw "The option `${showOption loc}' was accessed but has no value defined. Try setting the option."
        else if (if length defsFinal == 1 then type.check (head defsFinal).value else all (def: type.check def.value) defsFinal)
        then type.merge loc defsFinal
        else throw (notOfTypeMessage loc type defsFinal);
      value = if opt ? apply && opt.apply != null then opt.apply merged else merged;
      result = opt // {
        value = addErrorContext "while evaluating the option `${showOption loc}':" value;
        inherit (fin) highestPrio;
        definitions = map (def: def.value) fin.values;
        files = map (def: def.file) fin.values;
        definitionsWithLocations = fin.values;
        isDefined = fin.values != [ ];
        __toString = _: showOption loc;
      };
    in
    if opt.type.deprecationMessage or null != null
    then lib.warn "The type `types.${opt.type.name}' of option `${showOption loc}' defined in ${showFiles opt.declarations} is deprecated. ${opt.type.deprecationMessage}" result
    else result;

  optionToString = self: showOption self.loc;
  noOptions = [ ];
  defaultDefOf = file: default: { inherit file; value = { _type = "override"; priority = 1500; content = default; }; };

  readOnlyMessage = loc: type: defs:
    let separateDefs = map (def: def // { value = (mergeDefinitions loc type [ def ]).mergedValue; }) defs; in
    "The option `${showOption loc}' is read-only, but it's set multiple times. Definition values:${showDefs separateDefs}";

  notOfTypeMessage = loc: type: defs:
    let allInvalid = filter (def: !type.check def.value) defs; in
    "A definition for option `${showOption loc}' is not of type `${type.description}'. Definition values:${showDefs allInvalid}";

  # Definitions of one option → the list that the type merges: properties
  # discharged, lower priorities dropped, mkOrder applied.
  mergeDefinitions = loc: type: defs: rec {
    defsFinal' = finalDefs defs;
    defsFinal = defsFinal'.values;
    mergedValue =
      if isDefined then
        if (if length defsFinal == 1 then type.check (head defsFinal).value else all (def: type.check def.value) defsFinal)
        then type.merge loc defsFinal
        else throw (notOfTypeMessage loc type defsFinal)
      else
        throw "The option `${showOption loc}' was accessed but has no value defined. Try setting the option.";
    isDefined = defsFinal != [ ];
    optionalValue = if isDefined then { value = mergedValue; } else { };
  };

  # mergeDefinitions' defsFinal': { values; highestPrio; }. A single definition
  # without properties (the usual case) needs none of the passes.
  finalDefs = defs:
    if length defs == 1 then
      let def = head defs; v = def.value; t = v._type or ""; in
      if !(propertyTypes ? ${t}) then { values = defs; highestPrio = defaultOverridePriority; }
      else if t == "override" then {
        values = let d = def // { value = v.content; }; in
          if (v.content._type or "") == "order" then sortProperties [ d ] else [ d ];
        highestPrio = v.priority;
      }
      else finalDefsGeneral defs
    else finalDefsGeneral defs;

  finalDefsGeneral = defs:
    # Definitions without properties (e.g. a list defined in several modules) all
    # count, as they are.
    if defs != [ ] && !(any (d: propertyTypes ? ${d.value._type or ""}) defs) then { values = defs; highestPrio = defaultOverridePriority; }
    else
    let
      discharged =
        if any (d: dischargedTypes ? ${d.value._type or ""}) defs
        then concatMap (m: addErrorContext "while evaluating definitions from `${m.file}':" (dischargeDefinition m)) defs
        else defs;
      filtered = filterOverrides' discharged;
      values = filtered.values;
    in {
      values = if any (def: (def.value._type or "") == "order") values then sortProperties values else values;
      inherit (filtered) highestPrio;
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
  pushDownProperties = pushDownPropertiesOf;

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
      highestPrio = foldl' (prio: def:
        let v = def.value; p = if (v._type or "") == "override" then v.priority else defaultOverridePriority; in
        if p < prio then p else prio) 9999 defs;
    in {
      values = concatMap (def:
        let v = def.value; in
        if (v._type or "") == "override"
        then (if v.priority == highestPrio then [ (def // { value = v.content; }) ] else [ ])
        else if highestPrio == defaultOverridePriority then [ def ] else [ ]) defs;
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
