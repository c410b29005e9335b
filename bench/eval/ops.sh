#!/usr/bin/env bash
# Instructions per operation, nest against nix-instantiate, under valgrind's callgrind
# (instruction counts do not depend on the machine's load, so small differences show).
# Each operation OP is evaluated in a loop of N and of 3N iterations
#   with builtins; foldl' (acc: i: acc + OP) 0 (genList (x: x) N)
# and the difference divided by 2N is its cost per iteration, start-up excluded; `base`
# (OP = i) is the loop alone. Prints nest's, Nix's and their ratio.
# Usage: bench/eval/ops.sh [N]   (default 20000; NEST=path/to/nest, default
# target/release/nest; valgrind and nix-instantiate must be installed)
set -euo pipefail
cd "$(dirname "$0")"
N=${1:-20000}
NEST=${NEST:-${CARGO_TARGET_DIR:-../../target}/release/nest}
command -v valgrind >/dev/null || { echo "ops.sh: valgrind is not installed" >&2; exit 1; }
command -v nix-instantiate >/dev/null || { echo "ops.sh: nix-instantiate is not installed" >&2; exit 1; }
[ -x "$NEST" ] || { echo "ops.sh: nest binary not found at $NEST (set NEST=...)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ops=(
  'base|i'
  'apply|(x: x) i'
  'apply2|(x: y: x) i 1'
  'formals|({ a, b ? 2 }: a) { a = i; }'
  'let|(let a = i + 1; b = a * 2; in b - a)'
  'rec|(rec { a = i; b = a + 1; }).b'
  'select|{ a = i; }.a'
  'with|(with { q = i; }; q)'
  'hasattr|(if { a = i; } ? a then i else 0)'
  'update|({ a = 1; } // { b = i; }).b'
  'mapattrs|(mapAttrs (k: v: v + i) { a = 1; b = 2; }).b'
  'attrnames|i + length (attrNames { a = 1; b = i; c = 3; })'
  'list|i + length [ i ]'
  'concat|i + length ([ i ] ++ [ 2 3 ])'
  'head|head [ i ]'
  'tail|i + length (tail [ i i ])'
  'elemat|i + elemAt [ 1 2 3 ] 1'
  'map|head (map (x: x + i) [ 1 2 ])'
  'filter|i + length (filter (x: x > 1) [ 1 2 3 ])'
  'eqlist|(if [ i 1 ] == [ i 1 ] then i else 0)'
  'isint|(if isInt i then i else 0)'
  'string|stringLength "${toString i}x"'
)
count() { # instructions of one evaluation
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    awk '/Collected/ { gsub(",", "", $4); print $4 }'
}
printf '%-10s %10s %10s %7s\n' op nest nix ratio
for entry in "${ops[@]}"; do
  name=${entry%%|*}; op=${entry#*|}
  for n in "$N" "$((3 * N))"; do
    printf "with builtins; foldl' (acc: i: acc + %s) 0 (genList (x: x) %d)\n" "$op" "$n" > "$tmp/$name.$n.nix"
  done
  a=$("$NEST" eval --strict "$tmp/$name.$N.nix" 2>&1) b=$(nix-instantiate --eval --strict "$tmp/$name.$N.nix" 2>&1)
  [ "$a" = "$b" ] || { echo "$name: nest and nix disagree: $a / $b" >&2; continue; }
  e1=$(count "$NEST" eval --strict "$tmp/$name.$N.nix"); e3=$(count "$NEST" eval --strict "$tmp/$name.$((3 * N)).nix")
  x1=$(count nix-instantiate --eval --strict "$tmp/$name.$N.nix"); x3=$(count nix-instantiate --eval --strict "$tmp/$name.$((3 * N)).nix")
  awk -v n="$name" -v e1="$e1" -v e3="$e3" -v x1="$x1" -v x3="$x3" -v N="$N" \
    'BEGIN { e = (e3 - e1) / (2 * N); x = (x3 - x1) / (2 * N); printf "%-10s %10.0f %10.0f %7.2f\n", n, e, x, e / x }'
done
