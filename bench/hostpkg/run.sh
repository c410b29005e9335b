#!/usr/bin/env bash
# pkgs.hostPackage's costs (as root, for the build): evaluating the OpenSSH package
# (closure followed, ~14 MB of ELF read and hashed), building it in a fresh store, and
# what it adds to a `nest switch --dry-run` of 50 containers with sshd.
#   bench/hostpkg/run.sh [NEST]   (default: target/release/nest)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
nest="$(realpath "${1:-$here/../../target/release/nest}")"
nixdir="$here/../../nix"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export NEST_STATE_DIR="$tmp/var" NEST_CONTAINERS_DIR="$tmp/var/containers" NEST_RUN_DIR="$tmp/run" \
  NEST_ROOTS_DIR="$tmp/roots" NEST_STORE_DIR="$tmp/store" NEST_EXE="$nest"
pkg="(import $nixdir/pkgs { }).hostPackage { name = \"openssh\"; programs = [ \"/usr/sbin/sshd\" \"/usr/bin/ssh-keygen\" \"/usr/lib/openssh/sftp-server\" ]; }"
gen() {
  printf '{ containers = builtins.listToAttrs (map (i: { name = "c${toString i}"; value.config = %s; }) (builtins.genList (x: x) 50)); }\n' "$1"
}
gen '{ services.openssh.enable = true; services.openssh.ports = [ (3000 + i) ]; }' > "$tmp/ssh50.nix"
gen '{ systemd.services.x = { script = "sleep 1000"; wantedBy = [ "multi-user.target" ]; }; }' > "$tmp/plain50.nix"
hyperfine -N --warmup 2 --runs 10 --export-markdown "$tmp/eval.md" \
  -n "eval hostPackage openssh (outPath)" "$nest eval -E '($pkg).outPath'" \
  -n "switch --dry-run, 50 containers with sshd" "$nest switch -f $tmp/ssh50.nix --dry-run" \
  -n "switch --dry-run, 50 containers with a plain service" "$nest switch -f $tmp/plain50.nix --dry-run"
hyperfine --warmup 1 --runs 5 --export-markdown "$tmp/build.md" \
  --prepare "rm -rf $tmp/bstore $tmp/bstate" \
  -n "build hostPackage openssh in a fresh store (with busybox)" \
  "$nest build --store $tmp/bstore --state-dir $tmp/bstate --no-out-link -E '$pkg' >/dev/null 2>&1"
cat "$tmp/eval.md" "$tmp/build.md"
