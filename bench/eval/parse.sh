#!/usr/bin/env bash
# Parsing throughput on two large files built out of the library's own sources (every
# file of nix/lib wrapped as the body of a function that is never called, repeated
# until the file is about SIZE_MB):
#   set.nix  `{ lib }: { f0 = _: (…); f1 = …; }`: a set literal under a function head,
#            the shape of package sets, which nest lowers a binding at a time;
#   rec.nix  the same bindings in `rec { … }`, which nest parses whole (a `rec` set's
#            frame needs all its names before any value is lowered).
# Times `nest eval` and `nix-instantiate --eval` on each. Both parse (and nest lowers)
# the whole file; evaluation only builds one set of lambdas (or one function). A
# tiny file gives the start-up cost to subtract.
# usage: bench/eval/parse.sh [SIZE_MB] [RUNS]   (NEST=path/to/nest)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
SIZE_MB=${1:-20}
RUNS=${2:-5}
NEST=${NEST:-${CARGO_TARGET_DIR:-$here/../../target}/release/nest}
NIX=${NIX:-nix-instantiate}
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
body="$dir/body"
i=0
: > "$body"
while [ "$(stat -c %s "$body")" -lt $((SIZE_MB * 1024 * 1024)) ]; do
  for f in "$here"/../../nix/lib/*.nix; do
    { echo "  f$i = _: ("; cat "$f"; echo "  );"; } >> "$body"
    i=$((i + 1))
  done
done
{ echo "{ lib ? null }: {"; cat "$body"; echo "}"; } > "$dir/set.nix"
{ echo "rec {"; cat "$body"; echo "}"; } > "$dir/rec.nix"
echo '{ f0 = _: 1; }' > "$dir/tiny.nix"
best() { # best (lowest) user+sys CPU seconds of RUNS runs of CMD, to the microsecond
  # (bench/measure.py; /usr/bin/time's hundredths were a tenth of a 5 MB file's time)
  local b="" t
  for _ in $(seq "$RUNS"); do
    t=$(python3 "$here/../measure.py" "$@" | awk '{print $2 + $3}') || { echo failed; return; }
    if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN { exit !(a < b) }'; then b=$t; fi
  done
  echo "$b"
}
for shape in set rec; do
  bytes=$(stat -c %s "$dir/$shape.nix")
  printf '%s.nix: %d bytes\n' "$shape" "$bytes"
  for tool in nest nix; do
    if [ $tool = nest ]; then run=("$NEST" eval); else run=("$NIX" --eval); fi
    t_big=$(best "${run[@]}" "$dir/$shape.nix")
    t_tiny=$(best "${run[@]}" "$dir/tiny.nix")
    awk -v n="$tool" -v b="$bytes" -v t="$t_big" -v z="$t_tiny" 'BEGIN {
      d = t - z; if (d <= 0) d = 0.001;
      printf "  %-5s cpu %.3f s (start-up %.3f s): %.1f MB/s\n", n, t, z, b / d / 1e6 }'
  done
done
