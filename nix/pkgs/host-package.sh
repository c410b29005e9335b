# The builder of pkgs.hostPackage (run by busybox sh through builder.sh): copies the
# imported programs and libraries into $out and points their interpreter and run path
# into $out/lib. patchelf is itself an import of the host's, so it is run through its
# own imported loader with its libraries on --library-path.
set -e
pe_dir="$NIX_BUILD_TOP/patchelf-libs"
mkdir -p "$pe_dir" "$out/lib"
for e in $patchelfLibs; do ln -s "${e#*=}" "$pe_dir/${e%%=*}"; done
pe() { "$pe_dir/$patchelfInterp" --library-path "$pe_dir" "$patchelfBin" "$@"; }

for e in $libs; do
  cp "${e#*=}" "$out/lib/${e%%=*}"
  chmod 0755 "$out/lib/${e%%=*}"
done
for so in $patchLibs; do
  pe --set-rpath "$out/lib" "$out/lib/$so"
done
for e in $programs; do
  dest="$out/${e%%=*}"
  mkdir -p "$(dirname "$dest")"
  cp "${e#*=}" "$dest"
  chmod 0755 "$dest"
  if [ -n "$interpreter" ]; then
    pe --set-interpreter "$out/lib/$interpreter" --set-rpath "$out/lib" "$dest"
  fi
done
# A program without an interpreter is static: it needs nothing from lib/.
if [ -z "$interpreter" ]; then rmdir "$out/lib" 2>/dev/null || true; fi
