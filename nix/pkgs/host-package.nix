# pkgs.hostPackage: programs installed on the host, with their shared-library closure
# and the loader, imported into the store and patched (interpreter and run path point
# into the output) so that they run in a container that sees nothing but the store.
#
# The closure is followed at evaluation time with nest's `builtins.nestElfInfo` and
# the host loader's rules: DT_RPATH (when there is no DT_RUNPATH), DT_RUNPATH
# ($ORIGIN expanded), then the directories ld.so.cache is made from
# (/etc/ld.so.conf and its includes), then the default directories. Every file is
# imported by content ("${/path}"), so the same host files always give the same
# store path, a dry run can compute it, and the builder sees only those imports.
# patchelf (Debian's /usr/bin/patchelf) is imported the same way and run through its
# imported loader.
let
  elfInfo = builtins.nestElfInfo or (throw "pkgs.hostPackage needs nest's evaluator (builtins.nestElfInfo)");

  lines = s: builtins.filter (l: builtins.isString l && l != "") (builtins.split "\n" s);
  trim = s: let m = builtins.match "[ \t]*(.*[^ \t])[ \t]*" s; in if m == null then "" else builtins.head m;
  uncomment = l: trim (builtins.head (builtins.match "([^#]*).*" l));
  hasPrefix = p: s: builtins.substring 0 (builtins.stringLength p) s == p;
  concatMap = f: l: builtins.concatLists (map f l);
  joinSpace = builtins.concatStringsSep " ";

  # A glob in the last component only, as ld.so.conf's `include` is used in practice.
  globToRegex = builtins.replaceStrings
    [ "." "+" "(" ")" "[" "]" "{" "}" "^" "$" "|" "\\" "*" "?" ]
    [ "\\." "\\+" "\\(" "\\)" "\\[" "\\]" "\\{" "\\}" "\\^" "\\$" "\\|" "\\\\" ".*" "." ];
  expandGlob = pattern:
    let dir = dirOf pattern; re = globToRegex (baseNameOf pattern); in
    if !(builtins.pathExists dir) then [ ]
    else map (n: "${dir}/${n}") (builtins.filter (n: builtins.match re n != null) (builtins.attrNames (builtins.readDir dir)));

  # The directories of an ld.so.conf file, includes followed (relative ones from the
  # including file's directory), `hwcap` lines ignored.
  confDirs = file:
    if !(builtins.pathExists file) then [ ] else
    concatMap (l:
      let m = builtins.match "include[ \t]+(.*)" l; in
      if l == "" || hasPrefix "hwcap" l then [ ]
      else if m != null then
        let p = builtins.head m; abs = if hasPrefix "/" p then p else "${dirOf file}/${p}"; in
        concatMap confDirs (expandGlob abs)
      else [ l ]) (map uncomment (lines (builtins.readFile file)));

  # Debian's multiarch names by ELF machine (EM_*), for $LIB and the default directories.
  triplets = { "3" = "i386-linux-gnu"; "62" = "x86_64-linux-gnu"; "183" = "aarch64-linux-gnu"; "40" = "arm-linux-gnueabihf"; "243" = "riscv64-linux-gnu"; };
  platforms = { "3" = "i686"; "62" = "x86_64"; "183" = "aarch64"; "40" = "arm"; "243" = "riscv64"; };

  # Outside the package set's function, so one evaluation reads them once however
  # many containers use host packages.
  hostConfDirs = confDirs "/etc/ld.so.conf";

  # What the loader searches after the object's own paths.
  systemDirs = info:
    let t = triplets.${toString info.machine} or null; in
    hostConfDirs
    ++ (if t == null then [ ] else [ "/lib/${t}" "/usr/lib/${t}" ])
    ++ (if info.class == 64 then [ "/lib64" "/usr/lib64" ] else [ ])
    ++ [ "/lib" "/usr/lib" ];

  expandTokens = info: dir:
    builtins.replaceStrings
      [ "\${ORIGIN}" "$ORIGIN" "\${LIB}" "$LIB" "\${PLATFORM}" "$PLATFORM" ]
      [ (dirOf info.path) (dirOf info.path)
        "lib/${triplets.${toString info.machine} or "."}" "lib/${triplets.${toString info.machine} or "."}"
        (platforms.${toString info.machine} or "") (platforms.${toString info.machine} or "") ]
      dir;

  # A whole closure: `programs` (absolute host paths) and what they load, following
  # the loader's rules; items are { key; kind = "program" | "lib"; info; soname?; }.
  closure = what: programs: extraLibs:
    let
      fail = msg: throw "pkgs.hostPackage ${what}: ${msg}";
      progInfo = p:
        if !(hasPrefix "/" p) then fail "program '${p}' is not an absolute path"
        else if !(builtins.pathExists p) then fail "program '${p}' does not exist on this host"
        else let i = elfInfo p; in
          if i == null then fail "program '${p}' is not an ELF file (only ELF programs can be imported)" else i;
      progs = map (p: { key = "program:${p}"; kind = "program"; program = p; info = progInfo p; }) programs;
      exe = if progs == [ ] then fail "no programs given" else (builtins.head progs).info;
      interps = builtins.filter (i: i != null) (map (p: p.info.interpreter) progs);
      interp = if interps == [ ] then null else builtins.head interps;
      interpInfo = elfInfo interp;
      interpName = if interp == null then "" else if interpInfo.soname != null then interpInfo.soname else baseNameOf interp;
      compatible = i: i != null && i.class == exe.class && i.machine == exe.machine;
      sysDirs = systemDirs exe;
      # The first candidate that exists and suits the program (the loader skips
      # e.g. 32-bit libraries of the same name), or null.
      firstHit = cands:
        if cands == [ ] then null
        else let c = builtins.head cands; in
          if builtins.pathExists c then (let i = elfInfo c; in if compatible i then i else firstHit (builtins.tail cands))
          else firstHit (builtins.tail cands);

      find = requester: name:
        let
          own = if requester.runpath != null then requester.runpath
                else (if requester.rpath != null then requester.rpath else [ ])
                  ++ (if exe.runpath == null && exe.rpath != null then exe.rpath else [ ]);
          dirs = map (expandTokens requester) own ++ sysDirs;
          hit = firstHit (map (d: "${d}/${name}") dirs);
        in
        if builtins.match ".*/.*" name != null then
          (if builtins.pathExists name then elfInfo name else fail "${name} (needed by ${requester.path}) does not exist")
        else if hit == null then fail "${name} (needed by ${requester.path}) is in none of ${joinSpace dirs}"
        else hit;

      libItem = requester: name: { key = "lib:${baseNameOf name}"; kind = "lib"; soname = baseNameOf name; info = find requester name; };
      extraItem = l:
        if hasPrefix "/" l then
          (if builtins.pathExists l then { key = "lib:${baseNameOf l}"; kind = "lib"; soname = baseNameOf l; info = elfInfo l; }
           else fail "library '${l}' does not exist on this host")
        else libItem exe l;
    in
    if builtins.length (builtins.filter (i: i != interp) interps) > 0 then fail "programs with different interpreters (${joinSpace interps})"
    else {
      inherit interp interpName;
      items = builtins.genericClosure {
        startSet = progs
          ++ (if interp == null then [ ] else [ { key = "lib:${interpName}"; kind = "lib"; soname = interpName; info = interpInfo; } ])
          ++ map extraItem extraLibs;
        operator = item: map (libItem item.info) item.info.needed;
      };
    };

  # A host file by content; symbolic links were resolved by nestElfInfo.
  import' = path: "${/. + path}";
  entry = k: v: if builtins.match ".*[ =\t\n].*" k != null then throw "pkgs.hostPackage: file name '${k}' has a space or '='" else "${k}=${v}";
  libEntries = c: map (i: entry i.soname (import' i.info.path)) (builtins.filter (i: i.kind == "lib") c.items);

  patchelf = closure "patchelf (which builds every host package; Debian: apt-get install patchelf)" [ "/usr/bin/patchelf" ] [ ];

  # Where a program lands in the output: bin/ and sbin/ keep their name, anything
  # else (e.g. /usr/lib/openssh/sftp-server) goes to libexec/.
  destOf = p: let d = baseNameOf (dirOf p); in "${if d == "bin" || d == "sbin" then d else "libexec"}/${baseNameOf p}";
in
{ runCommand }:
{ name
, programs
, # Extra libraries the programs dlopen (sonames, resolved like DT_NEEDED, or
  # absolute paths), with their own closure.
  libraries ? [ ]
}:
let
  c = closure name programs libraries;
  libs = builtins.filter (i: i.kind == "lib") c.items;
  # Objects that look anything up by themselves get the output's lib/ as run path;
  # the loader and what needs nothing but the loader are left as they are.
  needsRunPath = i: i.soname != c.interpName
    && (i.info.rpath != null || i.info.runpath != null || builtins.any (n: n != c.interpName) i.info.needed);
  dests = map destOf programs;
  distinct = builtins.attrNames (builtins.listToAttrs (map (d: { name = d; value = null; }) dests));
in
if builtins.length distinct != builtins.length dests
then throw "pkgs.hostPackage ${name}: two programs would both be ${builtins.concatStringsSep ", " (builtins.filter (d: builtins.length (builtins.filter (x: x == d) dests) > 1) distinct)}"
else runCommand name {
  buildCommandPath = ./host-package.sh;
  programs = joinSpace (map (i: entry (destOf i.program) (import' i.info.path)) (builtins.filter (i: i.kind == "program") c.items));
  libs = joinSpace (libEntries c);
  patchLibs = joinSpace (map (i: i.soname) (builtins.filter needsRunPath libs));
  interpreter = if c.interp == null then "" else c.interpName;
  patchelfBin = import' (builtins.head patchelf.items).info.path;
  patchelfLibs = joinSpace (libEntries patchelf);
  patchelfInterp = patchelf.interpName;
} ""
