# nest's `lib`: the module system and the helpers NixOS modules use, API-compatible
# with nixpkgs `lib` for what it covers. A fixpoint: every area file is a function of
# the final `lib`, and the members of each area are also re-exported at the top, as in
# nixpkgs (`lib.mkOption`, `lib.mapAttrs'`, `lib.types`, ...).
let
  fix = f: let x = f x; in x;

  base = self:
    let
      call = file: import file { lib = self; };
      areas = {
        trivial = call ./trivial.nix;
        lists = call ./lists.nix;
        attrsets = call ./attrsets.nix;
        strings = call ./strings.nix;
        fixedPoints = call ./fixed-points.nix;
        generators = call ./generators.nix;
        asserts = call ./asserts.nix;
        options = call ./options.nix;
        types = call ./types.nix;
        modules = call ./modules.nix;
        # lib.versions: parts of version strings.
        versions = let sv = builtins.splitVersion; at = i: v: builtins.elemAt (sv v) i; in {
          splitVersion = sv;
          major = at 0;
          minor = at 1;
          patch = at 2;
          majorMinor = v: builtins.concatStringsSep "." (self.lists.take 2 (sv v));
          pad = n: version:
            let parts = sv version; in
            builtins.concatStringsSep "." (parts ++ builtins.genList (_: "0") (if n > builtins.length parts then n - builtins.length parts else 0));
        };
        meta = { inherit (areas.attrsets) getExe getExe'; };
      };
    in
      # Area members first, then the areas themselves, so that `lib.types` and
      # `lib.options` name the area even though `options.nix` has no member `types`.
      areas.trivial // areas.lists // areas.attrsets // areas.strings
      // areas.fixedPoints // areas.asserts // areas.options // areas.modules
      // areas // {
        inherit (builtins) isString isAttrs isList isBool isInt isFloat isPath;
        inherit (areas.types) isType setType defaultTypeMerge defaultFunctor
          isOptionType mkOptionType;
      };

  # `extension self super` returns attributes that override the base lib; `extend`
  # stacks another overlay on top, as `lib.extend` does in nixpkgs.
  makeLib = extension: fix (self:
    let b = base self; in
    b // extension self b // {
      extend = f: makeLib (self': super': let prev = extension self' super'; in prev // f self' (super' // prev));
    });
in
makeLib (self: super: { })
