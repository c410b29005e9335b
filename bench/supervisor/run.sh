#!/usr/bin/env bash
# Supervisor benchmarks (issue 5 targets), as root, in a temp dir of their own:
#   1. N containers (default 200) with autoStart, booted by `nest daemon`: time until all
#      run, failures (target: all running, 0 failures, <= 10 s on 2 cores);
#   2. `nest container list` with N containers (target <= 50 ms; hyperfine when installed);
#   3. the daemon's RSS with N containers (target <= 20 MiB);
#   4. `nest container stop` of a well-behaved container (target <= 200 ms).
# Usage: bench/supervisor/run.sh [N] [path/to/nest]   (default: a release build)
set -euo pipefail
N=${1:-200}
cd "$(dirname "$0")/../.."
if [ -n "${2:-}" ]; then
  NEST=$2
else
  cargo build --release -p nest >/dev/null 2>&1
  NEST=${CARGO_TARGET_DIR:-target}/release/nest
fi
NEST=$(readlink -f "$NEST")
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }

T=$(mktemp -d /tmp/nest-bench-sup.XXXXXX)
export NEST_STATE_DIR=$T/var NEST_CONTAINERS_DIR=$T/var/containers NEST_RUN_DIR=$T/run NEST_ROOTS_DIR=$T/roots NEST_STORE_DIR=$T/store
DAEMON=
cleanup() {
  [ -n "$DAEMON" ] && kill -9 "$DAEMON" 2>/dev/null || true
  for f in "$T"/var/containers/*.json; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .json)
    "$NEST" container terminate "$n" >/dev/null 2>&1 || true
  done
  rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$T/store/abc-sleeper" "$T/busybox"
cat > "$T/store/abc-sleeper/services.json" <<'JSON'
{"version":1,"services":{"sleeper":{"command":["/bin/sleep","100000"],"wantedBy":["multi-user.target"]}}}
JSON
cp /usr/bin/busybox "$T/busybox/busybox"
for i in $(seq 1 "$N"); do
  "$NEST" container create "b$i" --system-path "$T/store/abc-sleeper" --auto-start >/dev/null
  mkdir -p "$T/roots/b$i/bin"
  ln "$T/busybox/busybox" "$T/roots/b$i/bin/busybox"
  ln -s busybox "$T/roots/b$i/bin/sleep"
  ln -s busybox "$T/roots/b$i/bin/sh"
done

echo "== $N autoStart containers booted by nest daemon"
start=$(date +%s.%N)
"$NEST" daemon --tick-ms 200 >"$T/daemon.log" 2>&1 &
DAEMON=$!
while ! grep -q "^boot:" "$T/daemon.log"; do
  sleep 0.05
  kill -0 "$DAEMON" 2>/dev/null || { cat "$T/daemon.log"; exit 1; }
done
end=$(date +%s.%N)
grep "^boot:" "$T/daemon.log"
running=$("$NEST" container list --json | grep -o '"phase":"running"' | wc -l)
echo "running: $running/$N, time: $(echo "$end - $start" | bc) s"

echo "== nest container list with $N containers"
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs 30 "$NEST container list" 2>/dev/null | grep -E "Time|Range"
else
  s=$(date +%s%N); for _ in $(seq 10); do "$NEST" container list >/dev/null; done; e=$(date +%s%N)
  echo "mean: $(( (e - s) / 10000000 )) ms"
fi

echo "== daemon RSS with $N containers"
# VmRSS counts the binary's text pages it touched (shared with every nest process);
# RssAnon is the daemon's own memory.
grep -E '^(VmRSS|RssAnon|RssFile)' "/proc/$DAEMON/status" | tr '\n' ' '; echo
mon=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$T/run/containers/b1/supervisor.json" | head -1)
[ -n "$mon" ] && echo "one monitor: $(grep -E '^(VmRSS|RssAnon)' /proc/$mon/status | tr '\n' ' ')"

echo "== stop of a well-behaved container (5 runs, ms)"
for i in 1 2 3 4 5; do
  s=$(date +%s%N); "$NEST" container stop "b$i" >/dev/null 2>&1; e=$(date +%s%N)
  echo "stop b$i: $(( (e - s) / 1000000 )) ms"
done
