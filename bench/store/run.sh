#!/usr/bin/env bash
# The store side by side with Nix 2.8 where the two do the same thing:
#   add     adding a 10,000-file tree        nest store add       | nix-store --add
#   info    closure of a 1000-.drv chain     nest store path-info -r | nix-store -q -R
#   verify  hashing every path's contents    nest store verify --check-contents | nix-store --verify --check-contents
#   systems 100 container systems (host.nix):  the paths they add, and the no-op rebuild
#           (nest store realise of the 100 .drv files; nest build with evaluation |
#           nix-instantiate of the same 100 derivations, which must be the same paths)
# and nest alone: building the 1000-derivation chain (--no-sandbox, -j 2) and the no-op
# rebuild. Medians (and minima where shown) of RUNS runs (default 5).
# The no-op `nest build` of the 100 systems is timed with the evaluation cache (the
# second run on: it reuses the evaluation when nothing it read changed) and with
# --no-eval-cache (evaluation every time).
# Usage: bench/store/run.sh [RUNS]   (ONLY=systems: only section 4)
# (build first: cargo build --release -p nest; NEST=path/to/nest to override).
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${1:-5}
NEST=${NEST:-${CARGO_TARGET_DIR:-../../target}/release/nest}
NEST=$(readlink -f "$NEST")
[ -x "$NEST" ] || { echo "nest binary not found at $NEST (set NEST=...)" >&2; exit 1; }
command -v nix-store >/dev/null || { echo "nix-store not found" >&2; exit 1; }
W=$(mktemp -d /tmp/nest-bench-store.XXXXXX)
trap 'chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"' EXIT
S=$W/store   # one store directory name for both, so the paths are the same
ns() { NEST_STORE_DIR=$S NEST_STATE_DIR=$W/nestvar "$NEST" "$@"; }
nx() { NIX_STORE_DIR=$S NIX_STATE_DIR=$W/nixvar NIX_LOG_DIR=$W/nixlog "$@"; }
reset() { chmod -R u+w "$S" "$W/nestvar" "$W/nixvar" 2>/dev/null || true; rm -rf "$S" "$W/nestvar" "$W/nixvar"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
# time_it SETUP CMD...: runs SETUP then times CMD, RUNS times; prints the median seconds.
time_it() {
  local setup=$1; shift; local t=()
  for _ in $(seq "$RUNS"); do
    eval "$setup"; local a; a=$(now); "$@" >/dev/null 2>&1; local b; b=$(now)
    t+=("$(echo "$b - $a" | bc -l)")
  done
  printf '%s\n' "${t[@]}" | median
}
# time_mm CMD...: "median min" seconds of RUNS runs of CMD.
time_mm() {
  local t=()
  for _ in $(seq "$RUNS"); do
    local a; a=$(now); "$@" >/dev/null 2>&1; local b; b=$(now)
    t+=("$(echo "$b - $a" | bc -l)")
  done
  printf '%s %s\n' "$(printf '%s\n' "${t[@]}" | median)" "$(printf '%s\n' "${t[@]}" | sort -g | head -1)"
}
valid() { ns store verify --json | grep -o '"checked":[0-9]*' | cut -d: -f2; }
row() { printf '%-34s %10.4f %10.4f %8.2f\n' "$1" "$2" "$3" "$(echo "$2 / ($3 + 0.000001)" | bc -l)"; }
printf '%-34s %10s %10s %8s\n' "workload (median s)" nest nix ratio

if [ "${ONLY:-}" != systems ]; then
# 1. A 10,000-file tree.
T=$W/tree; mkdir -p "$T"
for d in $(seq 0 99); do mkdir -p "$T/d$d"; for f in $(seq 0 99); do echo "file $d $f" > "$T/d$d/f$f"; done; done
a=$(time_it reset ns store add "$T")
b=$(time_it reset nx nix-store --add "$T")
reset; p1=$(ns store add "$T"); reset; p2=$(nx nix-store --add "$T")
[ "$p1" = "$p2" ] || echo "add: PATHS DIFFER: $p1 vs $p2" >&2
row "add 10k-file tree" "$a" "$b"

# 2. The closure of a 1000-derivation chain: nest builds it (and writes its .drv
# files), nix-instantiate writes the same .drv files into its own database.
reset
a=$(now); ns build --no-sandbox --no-out-link -j 2 "$PWD/chain.nix" >/dev/null 2>&1; b=$(now)
build_s=$(echo "$b - $a" | bc -l)
a=$(now); ns build --no-sandbox --no-out-link "$PWD/chain.nix" >/dev/null 2>&1; b=$(now)
noop_s=$(echo "$b - $a" | bc -l)
drv=$(nx nix-instantiate chain.nix 2>/dev/null | tail -1)
[ "$(ns store path-info -r "$drv" | cut -f1 | sort)" = "$(nx nix-store -q -R "$drv" | sort)" ] || echo "path-info -r: CLOSURES DIFFER" >&2
read -r a amin < <(time_mm ns store path-info -r "$drv")
read -r b bmin < <(time_mm nx nix-store -q -R "$drv")
row "path-info -r, 1000-.drv closure" "$a" "$b"
row "  (minimum of the runs)" "$amin" "$bmin"
printf '%-34s %10.4f\n' "nest build 1000-drv chain (-j 2)" "$build_s"
printf '%-34s %10.4f\n' "nest build, no-op rebuild" "$noop_s"

# 3. verify --check-contents over ~256 MiB of NAR (plus the chain).
reset
mkdir -p "$W/big"; head -c 268435456 /dev/urandom > "$W/big/blob"
ns store add "$W/big" >/dev/null; nx nix-store --add "$W/big" >/dev/null
a=$(time_it : ns store verify --check-contents)
b=$(time_it : nx nix-store --verify --check-contents)
row "verify --check-contents 256 MiB" "$a" "$b"
printf '%-34s %10.0f MB/s (nest)\n' "verify throughput" "$(echo "268.435456 / $a" | bc -l)"

fi

# 4. 100 container systems that share most of their closure (builders sandboxed when
# root, as nest switch runs them).
reset
NIXDIR=$(readlink -f ../../nix)
SB=(); [ "$(id -u)" = 0 ] || SB=(--no-sandbox)
sys() { echo "import $PWD/systems.nix { nix = $NIXDIR; n = $1; }"; }
ns build "${SB[@]}" --no-out-link -j 2 -E "$(sys 1)" >/dev/null 2>&1
one=$(valid)
a=$(now); ns build "${SB[@]}" --no-out-link -j 2 -E "$(sys 100)" > "$W/outs" 2>/dev/null; b=$(now)
all=$(valid)
printf '%-34s %10.4f\n' "nest build 100 systems (-j 2)" "$(echo "$b - $a" | bc -l)"
echo "store paths: 1 system $one, 100 systems $all: $(( (all - one) / 99 )) per further system ($(( (all - one) % 99 )) left over)"
# Paths in every system's closure (shared) and in one only (unique).
for o in $(cat "$W/outs"); do ns store path-info -r "$o" | cut -f1; done | sort | uniq -c | awk '{c[$1]++} END {for (k in c) printf "  in %d closures: %d paths\n", k, c[k]}' | sort -t' ' -k4 -n
ns build --dry-run -E "$(sys 100)" | cut -f1 > "$W/drvs"
outs_n=$(ns store path-info -r $(cat "$W/outs") | wc -l)
drvs_n=$(ns store path-info -r $(cat "$W/drvs") | wc -l)
echo "union of the 100 output closures: $outs_n paths; of the 100 .drv closures: $drvs_n; valid: $all"
read -r a amin < <(time_mm ns store realise "${SB[@]}" $(cat "$W/drvs"))
printf '%-34s %10.4f (min %.4f)\n' "no-op: nest store realise 100 drvs" "$a" "$amin"
ns build "${SB[@]}" --no-out-link -v -E "$(sys 100)" 2>&1 >/dev/null | grep 'evaluation cache' || true
ns build "${SB[@]}" --no-out-link -v -E "$(sys 100)" 2>&1 >/dev/null | grep 'evaluation cache' || true
read -r a amin < <(time_mm ns build "${SB[@]}" --no-out-link -E "$(sys 100)")
read -r c cmin < <(time_mm ns build "${SB[@]}" --no-out-link --no-eval-cache -E "$(sys 100)")
read -r b bmin < <(time_mm nx nix-instantiate --readonly-mode --eval --strict -E "map (d: d.drvPath) ($(sys 100))")
row "no-op: nest build | nix-instantiate" "$a" "$b"
row "  (minimum of the runs)" "$amin" "$bmin"
row "  --no-eval-cache | nix-instantiate" "$c" "$b"
row "  (minimum of the runs)" "$cmin" "$bmin"
[ "$(ns build "${SB[@]}" --no-out-link -E "$(sys 100)" 2>/dev/null)" = "$(ns build "${SB[@]}" --no-out-link --no-eval-cache -E "$(sys 100)" 2>/dev/null)" ] \
  && echo "the cached and the evaluated no-op build print the same 100 outputs" || echo "CACHED AND EVALUATED OUTPUTS DIFFER" >&2
nx nix-instantiate --readonly-mode --eval --strict --json -E "map (d: d.drvPath) ($(sys 100))" 2>/dev/null | tr -d '[]"' | tr ',' '\n' | sort > "$W/nixdrvs"
sort "$W/drvs" | cmp -s - "$W/nixdrvs" && echo "nix-instantiate computes the same 100 .drv paths" || echo "systems: DRV PATHS DIFFER from nix-instantiate" >&2
