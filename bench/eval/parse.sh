#!/usr/bin/env bash
# Parsing throughput: builds a large Nix file out of the library's own sources (every
# file of nix/lib wrapped as the body of a function that is never called, repeated
# until the file is about SIZE_MB), then times `nest eval` and `nix-instantiate --eval`
# on it. Both parse (and nest lowers) the whole file; evaluation only builds one set of
# lambdas. A second, tiny file gives the start-up cost to subtract.
# usage: bench/eval/parse.sh [SIZE_MB] [RUNS]   (NEST=path/to/nest)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
SIZE_MB=${1:-20}
RUNS=${2:-5}
NEST=${NEST:-${CARGO_TARGET_DIR:-$here/../../target}/release/nest}
NIX=${NIX:-nix-instantiate}
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
big="$dir/set.nix"
i=0
echo "{" > "$big"
while [ "$(stat -c %s "$big")" -lt $((SIZE_MB * 1024 * 1024)) ]; do
  for f in "$here"/../../nix/lib/*.nix; do
    { echo "  f$i = _: ("; cat "$f"; echo "  );"; } >> "$big"
    i=$((i + 1))
  done
done
echo "}" >> "$big"
echo '{ f0 = _: 1; }' > "$dir/tiny.nix"
bytes=$(stat -c %s "$dir/set.nix")
best() { # best (lowest) user+sys CPU seconds of RUNS runs of CMD, to the microsecond
  # (bench/measure.py; /usr/bin/time's hundredths were a tenth of a 5 MB file's time)
  local b="" t
  for _ in $(seq "$RUNS"); do
    t=$(python3 "$here/../measure.py" "$@" | awk '{print $2 + $3}') || { echo failed; return; }
    if [ -z "$b" ] || awk -v a="$t" -v b="$b" 'BEGIN { exit !(a < b) }'; then b=$t; fi
  done
  echo "$b"
}
printf 'file: %d bytes\n' "$bytes"
for tool in nest nix; do
  if [ $tool = nest ]; then run=("$NEST" eval); else run=("$NIX" --eval); fi
  t_big=$(best "${run[@]}" "$dir/set.nix")
  t_tiny=$(best "${run[@]}" "$dir/tiny.nix")
  awk -v n="$tool" -v b="$bytes" -v t="$t_big" -v z="$t_tiny" 'BEGIN {
    d = t - z; if (d <= 0) d = 0.001;
    printf "%-5s cpu %.3f s (start-up %.3f s): %.1f MB/s\n", n, t, z, b / d / 1e6 }'
done
