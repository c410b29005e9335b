#!/usr/bin/env bash
# Module-system benchmark: evaluates the generated inputs of gen.sh (1000 small
# modules; 100 containers with full system evaluations) with
# `nix-instantiate --eval --strict` and, when given, `NEST eval --strict`, in REPEAT
# interleaved rounds (bench/measure.py: times to the microsecond), and prints the best
# wall, user and system seconds and peak RSS of each, whether both printed the same
# value, nest/nix ratios of CPU (user+sys) and RSS, and the median of the rounds' CPU
# ratios.
#
# usage: bench/modules/run.sh [--nest PATH-TO-NEST] [--repeat N] [--inputs DIR]
set -eu
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
nest=""
repeat=3
inputs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nest) nest="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --inputs) inputs="$2"; shift 2 ;;
    *) echo "usage: $0 [--nest PATH-TO-NEST] [--repeat N] [--inputs DIR]" >&2; exit 2 ;;
  esac
done
if [ -z "$inputs" ]; then
  inputs="$(mktemp -d)"
  cleanup="$inputs"
  "$here/gen.sh" "$inputs" > /dev/null
fi

# Nix and nest run in turn, REPEAT rounds of one run each (interleaved: see rounds.sh).
. "$here/rounds.sh"
runs="$(mktemp -d)"
trap 'rm -rf "$runs" ${cleanup:-}' EXIT

printf '%-16s %-16s %8s %8s %8s %10s\n' input evaluator wall_s user_s sys_s maxrss_MB
for name in thousand containers; do
  file="$inputs/$name.nix"
  : > "$runs/nix"; : > "$runs/nest"
  for _ in $(seq "$repeat"); do
    once "$runs/nix" nix-instantiate --eval --strict "$file"
    [ -n "$nest" ] && once "$runs/nest" "$nest" eval --strict "$file"
  done
  nix="$(best "$runs/nix")"
  if [ "$nix" = failed ]; then
    printf '%-16s %-16s failed\n' "$name" nix-instantiate
  else
    set -- $nix
    printf '%-16s %-16s %8.3f %8.3f %8.3f %10.1f\n' "$name" nix-instantiate "$1" "$2" "$3" "$(echo "$4 / 1024" | bc -l)"
  fi
  if [ -n "$nest" ]; then
    ne="$(best "$runs/nest")"
    if [ "$ne" = failed ]; then
      printf '%-16s %-16s failed\n' "$name" nest
    else
      set -- $ne
      printf '%-16s %-16s %8.3f %8.3f %8.3f %10.1f\n' "$name" nest "$1" "$2" "$3" "$(echo "$4 / 1024" | bc -l)"
      if [ "$nix" != failed ]; then
        if cmp -s <(nix-instantiate --eval --strict "$file" 2>/dev/null) <("$nest" eval --strict "$file" 2>/dev/null); then
          same=identical
        else
          same=DIFFERENT
        fi
        echo "$name: outputs of nix-instantiate and nest are $same"
        echo "$nix $ne" | awk -v n="$name" '{ ncpu = $2 + $3; ecpu = $6 + $7;
          printf "%-16s nest/nix ratios: cpu %.2f (best runs), rss %.2f\n", n, (ncpu > 0 ? ecpu / ncpu : 0), $8 / $4 }'
        printf '%-16s nest/nix cpu ratio per round: %s\n' "$name" "$(round_ratios "$runs/nix" "$runs/nest")"
      fi
    fi
  fi
done
