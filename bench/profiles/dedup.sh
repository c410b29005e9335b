#!/usr/bin/env bash
# Identical container configs (issue 7, item 3: "evaluated and built once"): N
# containers with the same system config, none started (autoStart = false), in a temp
# dir of their own. Prints, for 1 and for N containers:
#   - `nest switch --dry-run`: wall time and peak RSS (evaluation only);
#   - `nest switch` from an empty store: wall time and peak RSS, derivations built,
#     store paths added, distinct system paths;
#   - a no-op `nest switch` right after.
# Needs root (the build sandbox) and busybox-static (scripts/install-deps.sh).
# Usage: bench/profiles/dedup.sh [N=20] [path/to/nest]   (default: a release build)
set -euo pipefail
N=${1:-20}
cd "$(dirname "$0")/../.."
REPO=$PWD
if [ -n "${2:-}" ]; then
  NEST=$2
else
  cargo build --release -q -p nest
  NEST=${CARGO_TARGET_DIR:-target}/release/nest
fi
NEST=$(readlink -f "$NEST")
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
T=$(mktemp -d /tmp/nest-bench-dedup.XXXXXX)
trap 'rm -rf "$T"' EXIT

host() { # host N: N containers c1..cN with one shared config
  cat <<NIX
{ lib, ... }:
let
  common = {
    services.openssh.enable = true;
    systemd.services.web = { script = "exec sleep 1000"; wantedBy = [ "multi-user.target" ]; };
    environment.etc."motd".text = "hello";
  };
in
{ containers = lib.genAttrs (map (i: "c\${toString i}") (lib.range 1 $1)) (n: { config = common; }); }
NIX
}

measure() { # measure LABEL CMD...: "LABEL: <s> s, <KB> KB"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$T/time" "$@" > "$T/out" 2> "$T/err" || { cat "$T/err" >&2; exit 1; }
  read -r secs kb < "$T/time"
  printf '%-34s %6.2f s  %7d KB\n' "$label" "$secs" "$kb"
}

for n in 1 "$N"; do
  D=$T/n$n
  mkdir -p "$D"
  export NEST_STATE_DIR=$D/var NEST_CONTAINERS_DIR=$D/var/containers NEST_RUN_DIR=$D/run \
    NEST_ROOTS_DIR=$D/roots NEST_STORE_DIR=$D/store NEST_NIX_DIR=$REPO/nix NEST_EXE=$NEST
  host "$n" > "$D/host.nix"
  echo "== $n container(s)"
  measure "switch --dry-run (evaluation)" "$NEST" switch -f "$D/host.nix" --dry-run
  measure "switch (evaluate, build, record)" "$NEST" switch -f "$D/host.nix"
  built=$(grep -c "built '" "$T/err" || true)
  paths=$(find "$D/store" -maxdepth 1 -mindepth 1 ! -name '*.drv' ! -name '*.lock' ! -name '.*' | wc -l)
  drvs=$(find "$D/store" -maxdepth 1 -name '*.drv' | wc -l)
  systems=$("$NEST" generations --json | jq -r '.[-1].containers[]' | sort -u | wc -l)
  echo "  derivations built: $built; store: $paths paths + $drvs .drv; distinct systems: $systems"
  measure "no-op switch" "$NEST" switch -f "$D/host.nix"
done
