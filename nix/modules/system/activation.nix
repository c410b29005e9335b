# system.activationScripts and the activation script text (run by init at boot and
# on every re-activation, with NEST_SYSTEM set to the system's path).
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  scriptType = types.coercedTo types.str (text: { inherit text; deps = [ ]; }) (types.submodule {
    options = {
      text = mkOption { type = types.lines; description = "The script snippet."; };
      deps = mkOption { type = types.listOf types.str; default = [ ]; description = "Snippets that must run before this one."; };
    };
  });
  scripts = config.system.activationScripts;
  # Depth-first in name order: every snippet after its dependencies, each once.
  order =
    let
      visit = stack: acc: n:
        if builtins.elem n acc then acc
        else if builtins.elem n stack then throw "system.activationScripts: dependency cycle through `${n}'"
        else if !(scripts ? ${n}) then throw "system.activationScripts.${builtins.head stack}: unknown dependency `${n}'"
        else (builtins.foldl' (visit (stack ++ [ n ])) acc scripts.${n}.deps) ++ [ n ];
    in builtins.foldl' (visit [ ]) [ ] (builtins.attrNames scripts);
  etcEntries = lib.filter (e: e.enable) (builtins.attrValues config.environment.etc);
  etcLine = e:
    let t = lib.escapeShellArg e.target; in
    # direct-symlink: /etc/<target> is the system's link itself (as NixOS makes it).
    if e.mode == "direct-symlink"
    then "mkdir -p \"$(dirname /etc/${t})\"; ln -sfn \"$(readlink \"$systemConfig/etc/\"${t})\" /etc/${t}\n"
    else if e.mode == "symlink"
    then "mkdir -p \"$(dirname /etc/${t})\"; ln -sfn \"$systemConfig/etc/\"${t} /etc/${t}\n"
    else "mkdir -p \"$(dirname /etc/${t})\"; rm -f /etc/${t}; cp -L \"$systemConfig/etc/\"${t} /etc/${t}; chmod ${e.mode} /etc/${t}; chown ${e.user}:${e.group} /etc/${t} 2>/dev/null || true\n";
  # What this activation puts in /etc, one `<kind> <target>` line each: L for a link,
  # F for a copied file. The previous activation's list is in /etc/.nest-etc; an entry
  # the configuration dropped is removed, but only if it is still the kind of thing
  # nest made there (a file the user put in place of a link stays), and its parent
  # directories with it when they are left empty. Like NixOS's /etc/.clean, extended
  # to links (NixOS finds its stale links through /etc/static instead).
  etcList = lib.concatMapStrings
    (e: (if e.mode == "symlink" || e.mode == "direct-symlink" then "L " else "F ") + e.target + "\n")
    etcEntries;
  etcClean = ''
    etcList=${lib.escapeShellArg etcList}
    if [ -f /etc/.nest-etc ]; then
      nl=$(printf '\nx'); nl=''${nl%x}
      while IFS= read -r line; do
        t=''${line#? }
        case "$line" in "L "*|"F "*) ;; *) continue ;; esac
        case "$nl$etcList" in *"''${nl}L $t$nl"*|*"''${nl}F $t$nl"*) continue ;; esac
        f="/etc/$t"
        case "$line" in
          L*) [ -L "$f" ] || continue ;;
          F*) [ -f "$f" ] && [ ! -L "$f" ] || continue ;;
        esac
        rm -f "$f"
        d=$(dirname "$f")
        while [ "$d" != /etc ] && rmdir "$d" 2>/dev/null; do d=$(dirname "$d"); done
      done < /etc/.nest-etc
    fi
  '';
  etcRecord = ''
    printf '%s' "$etcList" > /etc/.nest-etc.tmp && mv -f /etc/.nest-etc.tmp /etc/.nest-etc
  '';
in
{
  options.system = {
    activationScripts = mkOption {
      type = types.attrsOf scriptType;
      default = { };
      description = "Shell snippets run at activation, ordered by their `deps`.";
    };
    activationScript = mkOption {
      type = types.str;
      readOnly = true;
      description = "The activation script (without its interpreter line).";
    };
  };
  config = {
    system.activationScripts = {
      # Every user's default login shell is /bin/sh, and scripts expect it: a
      # container's root has nothing but what activation puts there.
      binsh = ''
        mkdir -p /bin
        ln -sfn ${pkgs.busybox}/bin/sh /bin/.sh.tmp && mv -f /bin/.sh.tmp /bin/sh
      '';
      users.text = ''
        mkdir -p /etc
        for f in passwd group shadow; do
          cp "$systemConfig/users/$f" /etc/.$f.tmp && mv /etc/.$f.tmp /etc/$f
        done
        chmod 0600 /etc/shadow
      '' + lib.concatMapStrings (u: lib.optionalString u.createHome
        "mkdir -p ${lib.escapeShellArg u.home}; chown ${toString u.uid}:${toString u.gid} ${lib.escapeShellArg u.home}\n")
        (lib.filter (u: u.gid != null) config.users.allocated.users);
      etc = { deps = [ "users" ]; text = etcClean + lib.concatMapStrings etcLine etcEntries + etcRecord; };
    };
    system.activationScript = ''
      set -e
      systemConfig="''${NEST_SYSTEM:-$(cd "$(dirname "$0")" && pwd)}"
      export PATH="$systemConfig/sw/bin:/run/current-system/sw/bin:$PATH"
    '' + lib.concatMapStrings (n: "# ${n}\n${scripts.${n}.text}\n") order + ''
      mkdir -p /run
      ln -sfn "$systemConfig" /run/current-system.tmp && mv -T /run/current-system.tmp /run/current-system
    '';
  };
}
