#!/usr/bin/env bash
# 100 containers with nest's REAL system modules (nix/modules), evaluated the way
# `nest switch` evaluates a host config (checked assertions, every container's spec
# and system data, the toplevel's outPath and drvPath), side by side:
#   nest-real   `nest eval --strict` with the default services.openssh.package
#               (pkgs.hostPackage: the ELF closure of the host's sshd, nest only);
#   nest-stub   `nest eval --strict` with a plain derivation for that package;
#   nix-stub    `nix-instantiate --eval --strict` of the same stubbed file (Nix 2.8 has
#               no builtins.nestElfInfo), with NIX_SHOW_STATS for its counters.
# They run in REPEAT rounds, one run of each per round (interleaved); for each the run
# with the lowest CPU (user+sys) is printed: wall, user, sys, peak RSS, and the median
# CPU of all runs; then the ratios, including the median of the rounds' own ratios.
# Both evaluators' outputs of the stubbed file are compared. Store and state directories are temporary (the
# derivations' .drv files are written there by Nix; nest computes them).
#
# --nix DIR evaluates another copy of nest's nix/ directory (e.g. an older commit's,
# from `git archive COMMIT nix | tar -x -C DIR`, then --nix DIR/nix) for before/after.
#
# usage: bench/modules/hundred-real.sh [--nest PATH-TO-NEST] [--repeat N] [--n N] [--nix DIR] [--keep DIR]
set -eu
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
nixdir="$(cd "$here/../../nix" && pwd)"
nest=""
repeat=3
n=100
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --nest) nest="$(readlink -f "$2")"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --n) n="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    --nix) nixdir="$(cd "$2" && pwd)"; shift 2 ;;
    *) echo "usage: $0 [--nest PATH-TO-NEST] [--repeat N] [--n N] [--nix DIR] [--keep DIR]" >&2; exit 2 ;;
  esac
done
if [ -n "$keep" ]; then
  w="$keep"; mkdir -p "$w"
else
  w="$(mktemp -d /tmp/nest-bench-modules.XXXXXX)"
  trap 'chmod -R u+w "$w" 2>/dev/null; rm -rf "$w"' EXIT
fi

# The host config: n containers, each with OpenSSH on its own port, root's
# authorized key (through the original's users.extraUsers spelling), a normal user
# and one service.
{
  echo "# $n containers with nest's system modules (bench/modules/hundred-real.sh)."
  echo "{ lib, ... }:"
  echo "{"
  echo "  containers = lib.listToAttrs (map (i: lib.nameValuePair \"c\${toString i}\" {"
  echo "    autoStart = true;"
  echo "    config = {"
  echo "      services.openssh.enable = true;"
  echo "      services.openssh.ports = [ (2000 + i) ];"
  echo "      services.openssh.settings.PermitRootLogin = \"prohibit-password\";"
  echo "      users.extraUsers.root.openssh.authorizedKeys.keys = [ \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI\${toString i} root@host\" ];"
  echo "      users.users.alice = { isNormalUser = true; extraGroups = [ \"wheel\" ]; openssh.authorizedKeys.keys = [ \"ssh-ed25519 AAAAalice\${toString i} alice@host\" ]; };"
  echo "      environment.etc.motd.text = \"container \${toString i}\\n\";"
  echo "      systemd.services.app = { description = \"app \${toString i}\"; wantedBy = [ \"multi-user.target\" ]; script = \"echo \${toString i}; exec sleep 100000\"; environment.N = toString i; };"
  echo "    };"
  echo "  }) (lib.range 1 $n));"
  echo "}"
} > "$w/host.nix"

# What `nest switch` forces (crates/cli/src/cmd/switch.rs, evaluate), optionally
# with the OpenSSH package replaced by a plain derivation in every container.
evalfile() {
  local stub="$1"
  cat <<NIX
let
  opensshStub = derivation { name = "openssh"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "exit 1" ]; };
  stubbed = { lib, ... }: {
    imports = [ $w/host.nix ];
    options.containers = lib.mkOption {
      type = lib.types.attrsOf (lib.types.submodule {
        config.config.services.openssh.package = lib.mkDefault opensshStub;
      });
    };
  };
  r = import $nixdir/modules/eval-host.nix { configuration = $( [ "$stub" = 1 ] && echo stubbed || echo "$w/host.nix" ); };
  c = r.config;
in
r.lib.asserts.checkAssertWarn c.assertions c.warnings
  (builtins.mapAttrs (n: s: s // (if s.toplevel == null then { toplevel = null; toplevelDrv = null; }
    else { toplevel = s.toplevel.outPath; toplevelDrv = s.toplevel.drvPath; })) c.nest.containerSpecs)
NIX
}
evalfile 0 > "$w/real.nix"
evalfile 1 > "$w/stub.nix"

export NIX_STORE_DIR="$w/store" NIX_STATE_DIR="$w/nixvar" NIX_LOG_DIR="$w/nixlog"
export NEST_STORE_DIR="$w/store" NEST_STATE_DIR="$w/nestvar"
mkdir -p "$NIX_STORE_DIR"

# The three commands run interleaved, REPEAT rounds of one run each (Nix, nest on the
# stubbed file, nest on the real one): see rounds.sh.
. "$here/rounds.sh"
# summary FILE: the run with the lowest CPU (user+sys), then the median CPU of all
# runs; or "failed" if any run failed.
summary() {
  local b
  b="$(best "$1")"
  if [ "$b" = failed ]; then echo failed; else echo "$b $(median_cpu "$1")"; fi
}
row() {
  if [ "$2" = failed ]; then
    printf '%-12s failed: %s\n' "$1" "$(head -c 600 "$w/last.err")"
  else
    set -- "$1" $2
    printf '%-12s %8.3f %8.3f %8.3f %8.3f %10.1f %8s\n' "$1" "$2" "$3" "$4" "$(echo "$3 + $4" | bc -l)" "$(echo "$5 / 1024" | bc -l)" "$6"
  fi
}

echo "containers: $n; load average: $(cut -d' ' -f1-3 /proc/loadavg); repeat: $repeat rounds, interleaved (best run shown, and the median CPU)"
printf '%-12s %8s %8s %8s %8s %10s %8s\n' run wall_s user_s sys_s cpu_s maxrss_MB cpu_med
have_nix=""
command -v nix-instantiate > /dev/null && have_nix=1
: > "$w/runs.nix"; : > "$w/runs.stub"; : > "$w/runs.real"
for _ in $(seq "$repeat"); do
  [ -n "$have_nix" ] && once "$w/runs.nix" --stderr "$w/last.err" nix-instantiate --eval --strict "$w/stub.nix"
  if [ -n "$nest" ]; then
    once "$w/runs.stub" --stderr "$w/last.err" "$nest" eval --strict "$w/stub.nix"
    once "$w/runs.real" --stderr "$w/last.err" "$nest" eval --strict "$w/real.nix"
  fi
done
nix=failed
if [ -n "$have_nix" ]; then
  nix="$(summary "$w/runs.nix")"
  row nix-stub "$nix"
fi
if [ -n "$nest" ]; then
  ns="$(summary "$w/runs.stub")"
  row nest-stub "$ns"
  nr="$(summary "$w/runs.real")"
  row nest-real "$nr"
  if [ "$nix" != failed ] && [ "$ns" != failed ]; then
    if cmp -s <(nix-instantiate --eval --strict "$w/stub.nix" 2> /dev/null) <("$nest" eval --strict "$w/stub.nix" 2> /dev/null); then
      echo "stubbed file: outputs of nix-instantiate and nest are identical"
    else
      echo "stubbed file: outputs of nix-instantiate and nest are DIFFERENT"
    fi
    echo "$nix $ns" | awk '{ ncpu = $2 + $3; ecpu = $7 + $8;
      printf "nest-stub/nix-stub ratios: cpu %.2f (best runs), %.2f (medians), rss %.2f\n", (ncpu > 0 ? ecpu / ncpu : 0), ($5 > 0 ? $10 / $5 : 0), $9 / $4 }'
    echo "nest-stub/nix-stub cpu ratio per round: $(round_ratios "$w/runs.nix" "$w/runs.stub")"
  fi
fi
if command -v nix-instantiate > /dev/null; then
  NIX_SHOW_STATS=1 NIX_SHOW_STATS_PATH="$w/stats.json" nix-instantiate --eval --strict "$w/stub.nix" > /dev/null 2>&1 || true
  if [ -s "$w/stats.json" ]; then
    echo "nix-instantiate counters (stubbed file): $(tr -d '\n ' < "$w/stats.json" | grep -o '"nrFunctionCalls":[0-9]*\|"nrThunks":[0-9]*\|"nrAvoided":[0-9]*\|"nrLookups":[0-9]*' | tr '\n' ' ')"
  fi
fi
