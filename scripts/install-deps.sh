#!/usr/bin/env bash
# Installs the Debian packages nest's tests and runtime use (as root):
#   nix-bin          nix-instantiate 2.8, the evaluator's test oracle
#   busybox-static   the static shell and tools test containers and builders run
#   systemd-container systemd-nspawn, the runtime's reference and benchmark peer
#   iproute2         `ip`, used by tests only to inspect what nest configured and to make a test's own bridge
#   hyperfine, time  benchmark timing (bench/)
#   jq               the module-library test runner (nix/tests/run.sh)
#   openssh-server, openssh-client, patchelf
#                    services.openssh's default package (pkgs.hostPackage imports the
#                    host's sshd/ssh-keygen, patched with the host's patchelf); the
#                    ssh end-to-end test's client and keys. The host's own sshd is not
#                    started by this script (policy-rc.d) and tests never use port 22.
#   gcc, libc6-dev   the C compiler the bundled SQLite (rusqlite) and mimalloc are built with;
#                    glibc's static archives and rcrt1.o that link nest-init static-pie (crates/cli/build.rs)
#   tzdata           the zone database pkgs.tzdata imports for time.timeZone (/usr/share/zoneinfo)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs="nix-bin busybox-static systemd-container iproute2 hyperfine time jq openssh-server openssh-client patchelf gcc libc6-dev tzdata"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  apt-get update -qq
  # Installing openssh-server would start an sshd on the host's port 22.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d && policy=1
  fi
  apt-get install -y -qq --no-install-recommends $missing
  if [ -n "$policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
# Debian's nix-bin configures `build-users-group = nixbld` without making the group (its
# nix-setup-systemd package would); nix-instantiate then warns on every run, and the
# tests compare its stderr with nest's.
if ! getent group nixbld >/dev/null 2>&1; then
  groupadd --system nixbld
fi
if ! command -v cargo >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends curl ca-certificates build-essential
  curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
fi
