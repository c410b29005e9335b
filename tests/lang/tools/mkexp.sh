#!/usr/bin/env bash
# Writes the expectations of the given cases with nix-instantiate (Nix 2.8), in the
# environment and with the normalisation of crates/cli/tests/lang.rs:
#   eval-okay-*: <case>.exp (stdout) and <case>.trace.exp (stderr, only when non-empty)
#   eval-fail-*: <case>.err.exp (stderr)
# Usage: tests/lang/tools/mkexp.sh tests/lang/eval-okay-foo.nix [more cases…]
# A case's .flags (extra arguments, `--no-strict`) and .env (NAME=VALUE lines) are honoured.
# Review every new expectation by eye: an okay case that fails, or a fail case that
# succeeds, is reported and usually means a typo in the case.
set -euo pipefail
command -v nix-instantiate >/dev/null || { echo "mkexp: nix-instantiate (Nix 2.8, Debian nix-bin) is not installed" >&2; exit 1; }
root="$(cd "$(dirname "$0")/../../.." && pwd -P)"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{conf,state,log,config,cache,data,root}
extra_env=() # NAME=VALUE lines of the case's .env, after (so overriding) the fixed ones
run_nix() {
  env -i PATH="$PATH" HOME=/homeless-shelter NIX_STORE_DIR=/nix/store NIX_PATH= \
    NIX_REMOTE="local?root=$tmp/root" NIX_STATE_DIR="$tmp/state" NIX_LOG_DIR="$tmp/log" \
    NIX_CONF_DIR="$tmp/conf" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" \
    XDG_DATA_HOME="$tmp/data" TMPDIR="$tmp" NO_COLOR=1 TZ=UTC LC_ALL=C \
    NEST_LANG_TEST_VAR="hello from the harness" "${extra_env[@]}" nix-instantiate "$@"
}
normalise() {
  LC_ALL=C sed -e "s|$root/tests/lang/notyetpassing|$root/tests/lang|g" -e "s|$root/||g" \
    -e "s|tests/lang/notyetpassing|tests/lang|g" "$1"
}
run_nix --eval -E null >/dev/null
status=0
for f in "$@"; do
  rel="$(realpath --relative-to="$root" -s "$f")"
  base="${rel%.nix}"
  name="$(basename "$base")"
  strict=(--strict)
  flags=()
  if [[ -f "$base.flags" ]]; then
    eval "flags=($(cat "$base.flags"))"
    for i in "${!flags[@]}"; do
      if [[ "${flags[$i]}" == --no-strict ]]; then unset 'flags[i]'; strict=(); fi
    done
  fi
  extra_env=()
  if [[ -f "$base.env" ]]; then mapfile -t extra_env < <(grep -v '^[[:space:]]*$' "$base.env"); fi
  rc=0
  run_nix --eval "${strict[@]}" "${flags[@]}" "$rel" >"$tmp/out" 2>"$tmp/err" || rc=$?
  case "$name" in
    eval-okay-*)
      normalise "$tmp/out" >"$base.exp"
      if [[ -s "$tmp/err" ]]; then normalise "$tmp/err" >"$base.trace.exp"; else rm -f "$base.trace.exp"; fi
      if [[ $rc -ne 0 ]]; then echo "BAD: $rel is eval-okay but nix-instantiate failed:" >&2; cat "$tmp/err" >&2; status=1; fi
      ;;
    eval-fail-*)
      normalise "$tmp/err" >"$base.err.exp"
      if [[ $rc -eq 0 ]]; then echo "BAD: $rel is eval-fail but nix-instantiate succeeded" >&2; status=1; fi
      ;;
    *) echo "skipping $rel: not an eval-okay-/eval-fail- case" >&2 ;;
  esac
  echo "$rel: $(head -c 300 "$base.exp" 2>/dev/null || true)$(head -n 1 "$base.err.exp" 2>/dev/null || true)"
done
exit $status
