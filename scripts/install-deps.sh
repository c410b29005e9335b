#!/usr/bin/env bash
# Installs the Debian packages nest's tests and runtime use (as root):
#   nix-bin          nix-instantiate 2.8, the evaluator's test oracle
#   busybox-static   the static shell and tools test containers and builders run
#   systemd-container systemd-nspawn, the runtime's reference and benchmark peer
#   iproute2         `ip`, used by tests only to inspect what nest configured and to make a test's own bridge
#   hyperfine, time  benchmark timing (bench/)
#   jq               the module-library test runner (nix/tests/run.sh)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs="nix-bin busybox-static systemd-container iproute2 hyperfine time jq"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing
fi
if ! command -v cargo >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends curl ca-certificates build-essential
  curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
fi
