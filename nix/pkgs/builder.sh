# The one builder script of nix/pkgs' trivial builders (run by busybox sh):
# busybox's applets first on PATH, then each input's bin/, then the command.
set -e
PATH="$busybox/bin"
for p in $nativeBuildInputs $buildInputs; do
  if [ -d "$p/bin" ]; then PATH="$p/bin:$PATH"; fi
done
export PATH
if [ -n "$buildCommandPath" ]; then
  . "$buildCommandPath"
else
  eval "$buildCommand"
fi
