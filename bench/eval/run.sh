#!/usr/bin/env bash
# Runs every workload under `nest eval --strict` and `nix-instantiate --eval --strict`,
# RUNS times each, and prints the medians of wall time, CPU time (user+sys) and peak RSS,
# with nest/nix ratios. Usage: bench/eval/run.sh [RUNS]   (build first:
# cargo build --release -p nest; NEST=path/to/nest to override).
set -euo pipefail
cd "$(dirname "$0")"
RUNS=${1:-5}
NEST=${NEST:-${CARGO_TARGET_DIR:-../../target}/release/nest}
NIX=${NIX:-nix-instantiate}
[ -x "$NEST" ] || { echo "nest binary not found at $NEST (set NEST=...)" >&2; exit 1; }
command -v "$NIX" >/dev/null || { echo "$NIX not found" >&2; exit 1; }
TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
measure() { # prints: wall cpu rss_kb (medians)
  local w=() c=() m=() out
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -o "$TMP" -f '%e %U %S %M' "$@" >/dev/null 2>&1 || true
    out=$(tail -1 "$TMP")
    read -r e u s k <<<"$out"
    w+=("$e"); c+=("$(echo "$u + $s" | bc -l)"); m+=("$k")
  done
  printf '%s %s %s\n' "$(printf '%s\n' "${w[@]}" | median)" "$(printf '%s\n' "${c[@]}" | median)" "$(printf '%s\n' "${m[@]}" | median)"
}
printf '%-16s %9s %9s %7s | %9s %9s %7s | %10s %10s %7s\n' workload nest-wall nix-wall ratio nest-cpu nix-cpu ratio nest-rssKB nix-rssKB ratio
for f in *.nix; do
  # Both must agree before timing means anything.
  # (stdout only: a fresh machine's nix-instantiate warns about the missing nixbld group)
  a=$("$NEST" eval --strict "$f" 2>"$TMP") || { echo "$f: nest failed: $(cat "$TMP")" >&2; continue; }
  b=$(NIX_STORE_DIR=/nix/store "$NIX" --eval --strict "$f" 2>"$TMP") || { echo "$f: nix failed: $(cat "$TMP")" >&2; continue; }
  [ "$a" == "$b" ] || echo "$f: OUTPUTS DIFFER" >&2
  read -r nw nc nm < <(measure "$NEST" eval --strict "$f")
  read -r xw xc xm < <(measure "$NIX" --eval --strict "$f")
  printf '%-16s %9s %9s %7.2f | %9.2f %9.2f %7.2f | %10s %10s %7.2f\n' "${f%.nix}" "$nw" "$xw" "$(echo "$nw / ($xw + 0.0001)" | bc -l)" "$nc" "$xc" "$(echo "$nc / ($xc + 0.0001)" | bc -l)" "$nm" "$xm" "$(echo "$nm / $xm" | bc -l)"
done
