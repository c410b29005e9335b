#!/usr/bin/env bash
# Runs every workload under `nest eval --strict` and `nix-instantiate --eval --strict`,
# RUNS times each, nest and Nix in turn (so that both see the same load), and prints
# the medians of wall time, CPU time (user+sys) and peak RSS, with nest/nix ratios.
# Times come from the child's rusage, to the microsecond (bench/measure.py); the
# hundredths of /usr/bin/time made the ratio of a 60 ms workload move by 0.1 from
# rounding alone. Usage: bench/eval/run.sh [RUNS]   (build first:
# cargo build --release -p nest; NEST=path/to/nest to override; needs python3).
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
MEASURE="$(pwd)/../measure.py"
# measure_both FILE: runs nest and Nix on FILE in turn, RUNS times, and prints
# "nest_wall nest_cpu nest_rss nix_wall nix_cpu nix_rss" (medians).
measure_both() {
  local nw=() nc=() nm=() xw=() xc=() xm=() e u s k
  for _ in $(seq "$RUNS"); do
    read -r e u s k < <("$MEASURE" "$NEST" eval --strict "$1" || true)
    nw+=("$e"); nc+=("$(echo "$u + $s" | bc -l)"); nm+=("$k")
    read -r e u s k < <("$MEASURE" "$NIX" --eval --strict "$1" || true)
    xw+=("$e"); xc+=("$(echo "$u + $s" | bc -l)"); xm+=("$k")
  done
  for a in nw nc nm xw xc xm; do
    local -n arr=$a
    printf '%s ' "$(printf '%s\n' "${arr[@]}" | median)"
  done
  echo
}
printf '%-16s %9s %9s %7s | %9s %9s %7s | %10s %10s %7s\n' workload nest-wall nix-wall ratio nest-cpu nix-cpu ratio nest-rssKB nix-rssKB ratio
for f in *.nix; do
  # Both must agree before timing means anything.
  # (stdout only: a fresh machine's nix-instantiate warns about the missing nixbld group)
  a=$("$NEST" eval --strict "$f" 2>"$TMP") || { echo "$f: nest failed: $(cat "$TMP")" >&2; continue; }
  b=$(NIX_STORE_DIR=/nix/store "$NIX" --eval --strict "$f" 2>"$TMP") || { echo "$f: nix failed: $(cat "$TMP")" >&2; continue; }
  [ "$a" == "$b" ] || echo "$f: OUTPUTS DIFFER" >&2
  read -r nw nc nm xw xc xm < <(measure_both "$f")
  printf '%-16s %9.3f %9.3f %7.2f | %9.3f %9.3f %7.2f | %10s %10s %7.2f\n' "${f%.nix}" "$nw" "$xw" "$(echo "$nw / ($xw + 0.0001)" | bc -l)" "$nc" "$xc" "$(echo "$nc / ($xc + 0.0001)" | bc -l)" "$nm" "$xm" "$(echo "$nm / $xm" | bc -l)"
done
