#!/usr/bin/env bash
# `nest switch` benchmarks (issue 7 targets), as root, in a temp dir of their own:
#   1. evaluation only (`--dry-run`) of an N-container host config: time, peak RSS
#      (target <= 1 s, <= 300 MB for N = 100);
#   2. `nest switch` from nothing (empty store, no containers) until every container
#      runs and every container's service has started (target <= 15 s for N = 100);
#   3. a no-op switch (target <= 1 s; the plan says every container is unchanged);
#   4. one container's (the middle one's) service changed (target <= 1 s; only that container touched:
#      re-activated in place, every PID 1 unchanged);
#   5. stop all (switch to an empty host config); 6. start them again (no build);
#   7. side by side: N `systemd-nspawn` containers started at once, each running the
#      same kind of small service as PID 1 from a busybox root, until all run.
# Needs root, busybox-static, systemd-container and jq (scripts/install-deps.sh).
# Usage: bench/switch/run.sh [N=100] [path/to/nest]   (default: a release build)
set -euo pipefail
N=${1:-100}
cd "$(dirname "$0")/../.."
REPO=$PWD
if [ -n "${2:-}" ]; then
  NEST=$2
else
  cargo build --release -q -p nest
  NEST=${CARGO_TARGET_DIR:-target}/release/nest
fi
NEST=$(readlink -f "$NEST")
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }

T=$(mktemp -d /tmp/nest-bench-switch.XXXXXX)
export NEST_STATE_DIR=$T/var NEST_CONTAINERS_DIR=$T/var/containers NEST_RUN_DIR=$T/run \
  NEST_ROOTS_DIR=$T/roots NEST_STORE_DIR=$T/store NEST_NIX_DIR=$REPO/nix NEST_EXE=$NEST
NSPAWN_PIDS=()
cleanup() {
  for p in "${NSPAWN_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${NSPAWN_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  for f in "$T"/var/containers/*.json; do
    [ -e "$f" ] || continue
    "$NEST" container terminate "$(basename "$f" .json)" >/dev/null 2>&1 &
  done
  wait
  rm -rf "$T"
}
trap cleanup EXIT

ms() { echo $(( ($2 - $1) / 1000000 )); }
now() { date +%s%N; }
# Prefixes each line with the ms since $1, to see where a switch spends its time.
stamp() { while IFS= read -r l; do echo "$(ms "$1" "$(now)") $l"; done; }

# N containers b001…, each with one service; the one named by $1 has a different script.
host() {
  cat <<NIX
{ lib, ... }:
{
  containers = lib.genAttrs (map (i: "b\${lib.fixedWidthNumber 3 i}") (lib.range 1 $N)) (name: {
    autoStart = true;
    config = { pkgs, ... }: {
      systemd.services.heartbeat = {
        wantedBy = [ "multi-user.target" ];
        path = [ pkgs.busybox ];
        script = ''
          # version \${if name == "$1" then "2" else "1"}
          while true; do date > /run/heartbeat; sleep 5; done
        '';
      };
    };
  });
}
NIX
}
host none > "$T/host.nix"
CH=$(printf "b%03d" $(( (N + 1) / 2 )))
host "$CH" > "$T/host-changed.nix"
echo '{ }' > "$T/empty.nix"

# Containers whose service has a pid in init's status document.
services_up() {
  cat "$T"/run/containers/*/status.json 2>/dev/null \
    | jq -s '[.[] | select(any(.services[]?; .name == "heartbeat" and .pid != null))] | length'
}
# After a switch: zombies whose parent is one of this nest's processes, and this nest's
# processes other than the containers' monitors (`container supervise`, one per
# container, and the child each forks for the runtime).
leftovers() {
  ps -eo pid=,ppid=,stat=,args= | awk -v exe="$NEST" '
    { ppid[$1] = $2; st[$1] = $3 }
    $4 == exe { nest[$1] = 1; if ($0 ~ / container supervise /) mon++; else stray++ }
    END {
      for (p in st) if (st[p] ~ /^Z/ && (ppid[p] in nest)) z++
      printf "processes: %d monitor processes, %d other nest processes, %d zombies under nest\n", mon, stray, z
    }'
}
pids1() { "$NEST" container list --json | jq -c '[.[] | {name, pid}]'; }

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# nest: $NEST; repo HEAD: $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?')"

echo "== 1. evaluation of $N containers (switch --dry-run, nothing built)"
/usr/bin/time -f "%e s wall, %U s user, %S s sys, peak RSS %M KiB" "$NEST" switch -f "$T/host.nix" --dry-run > "$T/plan0" 2> "$T/time0"
tail -1 "$T/time0"
echo "plan: $(grep -c '^start ' "$T/plan0") start"

echo "== 2. switch from nothing: $N containers built and started"
s=$(now)
{ "$NEST" switch -f "$T/host.nix" 2>&1 > "$T/out1"; } | stamp "$s" > "$T/err1"
e1=$(now)
running=$("$NEST" container list --json | jq '[.[] | select(.phase == "running")] | length')
while [ "$(services_up)" -lt "$N" ]; do
  [ $(( ($(now) - s) / 1000000000 )) -lt 120 ] || { echo "services not up after 120 s"; break; }
  sleep 0.05
done
e2=$(now)
echo "switch returned: $(ms "$s" "$e1") ms (running: $running/$N); all $N services up: $(ms "$s" "$e2") ms"
echo "built: $(grep -c "built '" "$T/err1" || true) derivations; store paths: $(ls "$T/store" | grep -vc '\.drv$')"
echo "phases (ms since the switch began): build planned at $(grep -m1 'will be built' "$T/err1" | cut -d' ' -f1), last build done at $(grep "built '" "$T/err1" | tail -1 | cut -d' ' -f1), switch returned at $(ms "$s" "$e1")"
echo "container list: $("$NEST" container list --json | jq -r '[.[] | .phase] | group_by(.) | map("\(length) \(.[0])") | join(", ")')"
leftovers

echo "== 3. no-op switch (5 runs)"
before=$(pids1)
for i in 1 2 3 4 5; do
  s=$(now); /usr/bin/time -o "$T/time2" -f "%U s user, %S s sys, peak RSS %M KiB" "$NEST" switch -f "$T/host.nix" > "$T/out2" 2>/dev/null; e=$(now)
  echo "run $i: $(ms "$s" "$e") ms ($(cat "$T/time2")); plan: $(grep -c '^unchanged ' "$T/out2") unchanged, $(grep -vc '^unchanged ' "$T/out2") other"
done
"$NEST" switch -v -f "$T/host.nix" 2>&1 >/dev/null | grep 'evaluation cache' || true
echo "-- the same, evaluating every time (--no-eval-cache, 5 runs)"
for i in 1 2 3 4 5; do
  s=$(now); /usr/bin/time -o "$T/time2" -f "%U s user, %S s sys, peak RSS %M KiB" "$NEST" switch --no-eval-cache -f "$T/host.nix" > "$T/out2n" 2>/dev/null; e=$(now)
  echo "run $i: $(ms "$s" "$e") ms ($(cat "$T/time2")); plan: $(grep -c '^unchanged ' "$T/out2n") unchanged, $(grep -vc '^unchanged ' "$T/out2n") other"
done
cmp -s "$T/out2" "$T/out2n" && echo "same plan with and without the cache" || echo "PLANS DIFFER with and without the cache"
[ "$(pids1)" = "$before" ] && echo "every PID 1 unchanged" || echo "PID 1s CHANGED"
/usr/bin/time -o "$T/time2" -f "%e s wall, %U s user, %S s sys" "$NEST" switch -f "$T/host.nix" --dry-run >/dev/null 2>&1
echo "of which evaluation and plan (the same switch with --dry-run): $(cat "$T/time2")"
/usr/bin/time -o "$T/time2" -f "%e s wall, %U s user, %S s sys" "$NEST" switch --no-eval-cache -f "$T/host.nix" --dry-run >/dev/null 2>&1
echo "the same with --no-eval-cache: $(cat "$T/time2")"

echo "== 4. one container ($CH) changed"
old_hb=$(jq '.services[] | select(.name == "heartbeat") | .pid' "$T/run/containers/$CH/status.json")
s=$(now)
/usr/bin/time -o "$T/time3" -f "%U s user, %S s sys" "$NEST" switch -f "$T/host-changed.nix" > "$T/out3" 2> "$T/err3"
e=$(now)
echo "switch: $(ms "$s" "$e") ms ($(cat "$T/time3"))"
grep -v '^unchanged ' "$T/out3" | sed 's/(system .*/(system … -> …)/'
echo "unchanged: $(grep -c '^unchanged ' "$T/out3"); built: $(grep -c "built '" "$T/err3" || true) derivations"
[ "$(pids1)" = "$before" ] && echo "every PID 1 unchanged ($CH re-activated in place)" || echo "PID 1s CHANGED"
for _ in $(seq 100); do
  new_hb=$(jq '.services[] | select(.name == "heartbeat") | .pid' "$T/run/containers/$CH/status.json")
  [ "$new_hb" != "$old_hb" ] && [ "$new_hb" != null ] && break
  sleep 0.05
done
echo "$CH's heartbeat service: pid $old_hb -> $new_hb"
echo "-- and back to the first config, evaluating (--no-eval-cache)"
s=$(now)
/usr/bin/time -o "$T/time3" -f "%U s user, %S s sys" "$NEST" switch --no-eval-cache -f "$T/host.nix" > "$T/out3b" 2> "$T/err3b"
e=$(now)
echo "switch: $(ms "$s" "$e") ms ($(cat "$T/time3")); $(grep -vc '^unchanged ' "$T/out3b") changed, $(grep -c '^unchanged ' "$T/out3b") unchanged"
echo "-- and to the changed config again, with the cache (its entry is from the first switch to it)"
s=$(now)
/usr/bin/time -o "$T/time3" -f "%U s user, %S s sys" "$NEST" switch -v -f "$T/host-changed.nix" > "$T/out3c" 2> "$T/err3c"
e=$(now)
echo "switch: $(ms "$s" "$e") ms ($(cat "$T/time3")); $(grep -vc '^unchanged ' "$T/out3c") changed; $(grep 'evaluation cache' "$T/err3c")"
"$NEST" switch -f "$T/host.nix" > /dev/null 2>&1

echo "== 5. stop all (switch to an empty host config)"
s=$(now); "$NEST" switch -f "$T/empty.nix" > "$T/out4" 2>/dev/null; e=$(now)
echo "switch: $(ms "$s" "$e") ms; stopped: $(grep -c '^stop ' "$T/out4"); still running: $("$NEST" container list --json | jq '[.[] | select(.status == "up")] | length')"

echo "== 6. the same $N containers started again (systems already built: no build)"
s=$(now); "$NEST" switch -f "$T/host.nix" > "$T/out5" 2>/dev/null; e1=$(now)
while [ "$(services_up)" -lt "$N" ]; do
  [ $(( ($(now) - s) / 1000000000 )) -lt 60 ] || { echo "services not up after 60 s"; break; }
  sleep 0.05
done
e2=$(now)
echo "plan: $(grep -c '^start ' "$T/out5") start, $(grep -vc '^start ' "$T/out5") other; switch returned: $(ms "$s" "$e1") ms; all services up: $(ms "$s" "$e2") ms"
"$NEST" switch -f "$T/empty.nix" >/dev/null 2>&1

echo "== 7. systemd-nspawn: $N containers started at once (busybox root, read-only, the service as PID 1)"
root=$T/nspawn-root
# nspawn refuses a root without /usr, and mounts over these (read-only root: they must exist).
mkdir -p "$root"/{bin,usr,run,tmp,proc,sys,dev,etc,var,out} "$T/nspawn-out"
cp /usr/bin/busybox "$root/bin/busybox"
for a in sh sleep date; do ln -s busybox "$root/bin/$a"; done
s=$(now)
for i in $(seq 1 "$N"); do
  systemd-nspawn --register=no --keep-unit -q --read-only --timezone=off --resolv-conf=off \
    -D "$root" -M "nb$$-$i" \
    --bind="$T/nspawn-out:/out" \
    /bin/sh -c "date > /out/$i; while true; do date > /run/heartbeat; sleep 5; done" \
    >/dev/null 2>&1 &
  NSPAWN_PIDS+=($!)
done
while [ "$(ls "$T/nspawn-out" | wc -l)" -lt "$N" ]; do
  [ $(( ($(now) - s) / 1000000000 )) -lt 120 ] || { echo "not all up after 120 s"; break; }
  sleep 0.05
done
e=$(now)
echo "all $(ls "$T/nspawn-out" | wc -l)/$N running: $(ms "$s" "$e") ms"
s=$(now)
for p in "${NSPAWN_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
for p in "${NSPAWN_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
NSPAWN_PIDS=()
echo "all stopped (SIGTERM to nspawn, SIGKILL to its PID 1): $(ms "$s" "$(now)") ms"
