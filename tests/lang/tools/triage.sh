#!/usr/bin/env bash
# Re-triages the language suite against the current nest: rebuilds nest, runs every
# case (crates/cli/tests/lang.rs decides pass/fail), then moves passing cases out of
# tests/lang/notyetpassing/ and failing ones into it. Review and commit the moves.
# Usage: tests/lang/tools/triage.sh   (honours CARGO_TARGET_DIR)
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd -P)"
lang="$root/tests/lang"
nyp="$lang/notyetpassing"
cd "$root"
mkdir -p "$nyp"
[[ -e "$nyp/lib" ]] || ln -s ../lib "$nyp/lib"
[[ -e "$nyp/data" ]] || ln -s ../data "$nyp/data"
verdicts="$(mktemp)"
trap 'rm -f "$verdicts"' EXIT
cargo build -p nest
# The test fails while any case is misplaced; the verdict file is what matters here.
NEST_LANG_TRIAGE="$verdicts" cargo test -p nest --test lang -- --exact lang_suite_under_nest >/dev/null 2>&1 || true
if [[ ! -s "$verdicts" ]]; then
  echo "triage: the suite wrote no verdicts; run: cargo test -p nest --test lang" >&2
  exit 1
fi
move() { # move <case> <from-dir> <to-dir>
  local ext
  for ext in .nix .exp .err.exp .trace.exp .flags; do
    if [[ -e "$2/$1$ext" ]]; then mv "$2/$1$ext" "$3/$1$ext"; fi
  done
}
up=0; down=0
while read -r verdict dir name; do
  if [[ $verdict == pass && $dir == notyetpassing ]]; then move "$name" "$nyp" "$lang"; up=$((up + 1)); fi
  if [[ $verdict == fail && $dir == lang ]]; then move "$name" "$lang" "$nyp"; down=$((down + 1)); fi
done <"$verdicts"
pass=$(grep -c '^pass' "$verdicts" || true)
total=$(wc -l <"$verdicts")
echo "triage: $pass of $total cases pass; moved $up up to tests/lang/, $down down to notyetpassing/"
