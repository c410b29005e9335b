#!/usr/bin/env bash
# Runs nest's module-system tests: every case of cases.txt (an attribute path of a
# module evaluation, its module files, and the expected JSON or an error regex) and
# every unit test of lib.nix, under nix-instantiate or a nest binary.
#
# usage: nix/tests/run.sh [--evaluator nix-instantiate|PATH-TO-NEST] [--jobs N] [--filter SUBSTRING] [-v]
# Prints one `FAIL: <id>` line per failed case, then `N passed, M failed`;
# exits 1 when a case failed, 2 on a usage error.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
evaluator=nix-instantiate
filter=""
jobs=2
verbose=${VERBOSE:-0}
while [ $# -gt 0 ]; do
  case "$1" in
    --evaluator) evaluator="$2"; shift 2 ;;
    --filter) filter="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -v|--verbose) verbose=1; shift ;;
    *) echo "usage: $0 [--evaluator nix-instantiate|PATH-TO-NEST] [--jobs N] [--filter SUBSTRING] [-v]" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# evaluate FILE: JSON on stdout, errors on stderr, the evaluator's exit status.
evaluate() {
  if [ "$evaluator" = nix-instantiate ]; then
    nix-instantiate --eval --strict --json "$1"
  else
    "$evaluator" eval --strict --json "$1"
  fi
}

pass=0
fail=0
report_fail() {
  fail=$((fail + 1))
  echo "FAIL: $1"
  if [ "$verbose" = 1 ]; then
    echo "  $2" | head -c 3000
    echo
  fi
}

# One case: evaluates it and writes PASS or FAIL plus details to $work/res.N.
run_case() {
  local n="$1" attr="$2" files="$3" expect="$4"
  local mods="" special="{ }" f expr out status re want
  for f in $files; do
    case "$f" in
      special:*) special="import $here/modules/${f#special:}" ;;
      *) mods="$mods $here/modules/$f" ;;
    esac
  done
  expr="$work/case.$n.nix"
  # An attribute path is selected from the evaluation; a parenthesized function
  # is applied to it instead.
  attr="${attr//@lib@/(import $here/../lib)}"
  attr="${attr//@modules@/$here/modules}"
  case "$attr" in
    '('*) printf '%s (import %s/eval.nix { modules = [%s ]; specialArgs = %s; })\n' "$attr" "$here" "$mods" "$special" > "$expr" ;;
    *) printf '(import %s/eval.nix { modules = [%s ]; specialArgs = %s; }).%s\n' "$here" "$mods" "$special" "$attr" > "$expr" ;;
  esac
  out="$(evaluate "$expr" 2>"$work/err.$n")"
  status=$?
  case "$expect" in
    json:*)
      want="${expect#json:}"
      if [ $status -eq 0 ] && [ "$out" = "$want" ]; then echo PASS; else
        echo "FAIL want $want, got (status $status) $out $(cat "$work/err.$n")"; fi ;;
    error:*)
      re="${expect#error:}"
      if [ $status -ne 0 ] && grep -qzP -- "$re" "$work/err.$n"; then echo PASS; else
        echo "FAIL want error /$re/, got (status $status) $out $(cat "$work/err.$n")"; fi ;;
    stderr:*)
      re="${expect#stderr:}"
      if [ $status -eq 0 ] && grep -qzP -- "$re" "$work/err.$n"; then echo PASS; else
        echo "FAIL want success with stderr /$re/, got (status $status) $out $(cat "$work/err.$n")"; fi ;;
  esac > "$work/res.$n"
}

declare -A seen=()
ids=()
lineno=0
running=0
while IFS= read -r line || [ -n "$line" ]; do
  lineno=$((lineno + 1))
  case "$line" in ''|'#'*) continue ;; esac
  attr="${line%% | *}"
  rest="${line#* | }"
  files="${rest%% | *}"
  expect="${rest#* | }"
  id="$attr | $files"
  if [ -n "${seen[$id]:-}" ]; then
    echo "cases.txt:$lineno: duplicate case id: $id" >&2
    exit 2
  fi
  seen[$id]=1
  case "$expect" in
    json:*|error:*|stderr:*) ;;
    *) echo "cases.txt:$lineno: expectation must start with json:, error: or stderr:" >&2; exit 2 ;;
  esac
  if [ -n "$filter" ] && [[ "$id" != *"$filter"* ]]; then continue; fi
  n=${#ids[@]}
  ids+=("$id")
  run_case "$n" "$attr" "$files" "$expect" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done < "$here/cases.txt"
wait
for n in "${!ids[@]}"; do
  res="$(cat "$work/res.$n")"
  if [ "$res" = PASS ]; then pass=$((pass + 1)); else report_fail "${ids[$n]}" "${res#FAIL }"; fi
done

# Unit tests of lib: lib.nix is a list of { name; expr; expected; }. One evaluation
# for all of them; if that fails, each test is evaluated on its own.
if [ -z "$filter" ] || [[ "lib:" == *"$filter"* ]] || [[ "$filter" == lib:* ]]; then
  all="$work/lib-all.nix"
  printf 'map (t: { inherit (t) name; ok = t.expr == t.expected; }) (import %s/lib.nix)\n' "$here" > "$all"
  expected_count="$(grep -cP '^\s*\(t "' "$here/lib.nix")"
  if results="$(evaluate "$all" 2>"$work/err")" && [ -n "$results" ] \
    && [ "$(printf '%s' "$results" | jq length 2>/dev/null)" = "$expected_count" ]; then
    while IFS=$'\t' read -r name ok; do
      if [ -n "$filter" ] && [[ "lib:$name" != *"$filter"* ]]; then continue; fi
      if [ "$ok" = true ]; then pass=$((pass + 1)); else
        one="$work/lib-one.nix"
        printf 'let t = builtins.head (builtins.filter (t: t.name == %s) (import %s/lib.nix)); in { inherit (t) expr expected; }\n' "$(printf '%s' "$name" | jq -R .)" "$here" > "$one"
        report_fail "lib:$name" "$(evaluate "$one" 2>&1)"
      fi
    done < <(printf '%s' "$results" | jq -r '.[] | [.name, (.ok | tostring)] | @tsv')
  else
    # The evaluator could not run lib.nix as a whole: run each test alone. The
    # names are read from the file's text (one `(t "name"` per test, in order), so
    # that the set of ids does not depend on any evaluator.
    names="$(grep -oP '^\s*\(t "\K[^"]+' "$here/lib.nix")"
    i=0
    while IFS= read -r name; do
      [ -z "$name" ] && continue
      if [ -n "$filter" ] && [[ "lib:$name" != *"$filter"* ]]; then i=$((i + 1)); continue; fi
      one="$work/lib-one.nix"
      printf 'let t = builtins.elemAt (import %s/lib.nix) %d; in t.expr == t.expected\n' "$here" "$i" > "$one"
      if [ "$(evaluate "$one" 2>/dev/null)" = true ]; then pass=$((pass + 1)); else report_fail "lib:$name" "$(evaluate "$one" 2>&1)"; fi
      i=$((i + 1))
    done <<< "$names"
  fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
