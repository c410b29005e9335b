# nest's package set without the internet: busybox imported from the host (Debian's
# busybox-static) and the trivial builders of nixpkgs on top of it, each building
# with busybox sh in the sandbox.
{ system ? "x86_64-linux"
, # The host's static busybox. Its content decides every path below.
  busyboxBinary ? /usr/bin/busybox
, # The host's time zone database (Debian's tzdata), for pkgs.tzdata.
  zoneinfoDir ? /usr/share/zoneinfo
}:
let
  # The binary alone, by content (recursive ingestion keeps its executable bit).
  busyboxFile = builtins.path { path = busyboxBinary; name = "busybox-static"; };

  # bin/busybox and a symlink per applet. Busybox picks the applet from argv[0], and a
  # builder's argv[0] is its store name, so this one step runs under the sandbox's
  # /bin/sh (Nix's default sandbox shell, a static busybox whose shell runs applets
  # itself); only the imported file ends up in the output.
  busybox = derivation {
    name = "busybox";
    inherit system;
    builder = "/bin/sh";
    bb = busyboxFile;
    args = [ "-e" "-c" ''
      mkdir -p $out/bin
      cp $bb $out/bin/busybox
      chmod 0755 $out/bin/busybox
      for a in $(busybox --list); do
        if [ "$a" != busybox ]; then ln -s busybox $out/bin/$a; fi
      done
    '' ];
  };

  shell = "${busybox}/bin/sh";
  builderScript = ./builder.sh;

  boolStr = b: if b then "1" else "";

  # runCommand name env buildCommand
  runCommand = name: env: buildCommand:
    derivation ({
      inherit name system buildCommand busybox;
      builder = shell;
      args = [ "-e" builderScript ];
    } // env);

  writeTextFile =
    { name, text, executable ? false, destination ? "", checkPhase ? "" }:
    runCommand name
      {
        inherit text destination checkPhase;
        executable = boolStr executable;
        passAsFile = [ "text" ];
      }
      ''
        target="$out$destination"
        mkdir -p "$(dirname "$target")"
        cp "$textPath" "$target"
        if [ -n "$executable" ]; then chmod +x "$target"; fi
        eval "$checkPhase"
      '';

  writeText = name: text: writeTextFile { inherit name text; };
  writeScript = name: text: writeTextFile { inherit name text; executable = true; };
  writeScriptBin = name: text:
    writeTextFile { inherit name text; executable = true; destination = "/bin/${name}"; };
  writeShellScript = name: text:
    writeTextFile {
      inherit name;
      executable = true;
      text = "#!${shell}\n${text}";
    };
  writeShellScriptBin = name: text:
    writeTextFile {
      inherit name;
      executable = true;
      destination = "/bin/${name}";
      text = "#!${shell}\n${text}";
    };

  # Links the trees of `paths` into one (directories merged, files symlinked; the
  # first path providing a file wins, as lndir does).
  linkTreeFunction = ''
    link_tree() {
      local src="$1" dst="$2" f n
      mkdir -p "$dst"
      for f in "$src"/* "$src"/.[!.]*; do
        if [ ! -e "$f" ] && [ ! -L "$f" ]; then continue; fi
        n="''${f##*/}"
        if [ -d "$f" ] && [ ! -L "$f" ]; then
          if [ -L "$dst/$n" ]; then
            # A directory linked by an earlier path: make it a real one to merge into.
            old="$(readlink "$dst/$n")"; rm "$dst/$n"; link_tree "$old" "$dst/$n"
          fi
          link_tree "$f" "$dst/$n"
        elif [ -e "$dst/$n" ] || [ -L "$dst/$n" ]; then
          if [ -n "$failOnCollision" ]; then
            echo "collision between '$(readlink "$dst/$n")' and '$f'" >&2; exit 1
          fi
        else
          ln -s "$f" "$dst/$n"
        fi
      done
    }
  '';

  symlinkJoin = { name, paths, postBuild ? "" }:
    runCommand name { inherit paths postBuild; } ''
      ${linkTreeFunction}
      mkdir -p $out
      for p in $paths; do link_tree "$p" "$out"; done
      eval "$postBuild"
    '';

  buildEnv = { name, paths, pathsToLink ? [ "/" ], ignoreCollisions ? false, postBuild ? "" }:
    runCommand name
      {
        inherit paths pathsToLink postBuild;
        failOnCollision = boolStr (!ignoreCollisions);
      }
      ''
        ${linkTreeFunction}
        mkdir -p $out
        for p in $paths; do
          for sub in $pathsToLink; do
            if [ "$sub" = / ]; then sub=; fi
            if [ -d "$p$sub" ]; then link_tree "$p$sub" "$out$sub"; fi
          done
        done
        eval "$postBuild"
      '';

  # Programs installed on the host, with their library closure, made runnable from
  # the store alone (see host-package.nix).
  hostPackage = import ./host-package.nix { inherit runCommand; };
in
{
  inherit busybox busyboxFile runCommand writeTextFile writeText writeScript writeScriptBin
    writeShellScript writeShellScriptBin symlinkJoin buildEnv hostPackage;
  tzdata = import ./tzdata.nix { inherit runCommand; zoneinfo = zoneinfoDir; };
  openssh = hostPackage { name = "openssh"; programs = [ "/usr/sbin/sshd" "/usr/bin/ssh-keygen" "/usr/lib/openssh/sftp-server" ]; };
}
