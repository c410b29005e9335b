#!/usr/bin/env bash
# PID 1 footprint and stop latency, production path: a container started by
# `nest spawn --boot` (what `container-<name>` runs) from a busybox root whose system
# has ten idle services. Reads the container's PID 1 VmRSS/RssAnon from /proc once all
# ten run, then times SIGTERM to `nest spawn` -> exit (PID 1 stops the services).
# Usage: bench/init/run.sh [RUNS]     (needs root and busybox-static)
# Two rows: PID 1 as in production (the static `nest-init` installed next to `nest`),
# and the fallback (`nest init`, the full binary through the host's loader) measured
# with a hard link of the same `nest` alone in a directory. NEST=… uses an existing
# build (with its nest-init beside it) instead of building.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-5}
if [ -z "${NEST:-}" ]; then
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
    cargo build --release -q -p nest
    NEST="$CARGO_TARGET_DIR/release/nest"
fi
[ -x "$(dirname "$NEST")/nest-init" ] || { echo "no nest-init next to $NEST" >&2; exit 1; }
# The run dir on tmpfs, as /run/nest is in production; the fallback's hard link must be
# on nest's file system.
work=$(mktemp -d /dev/shm/nest-bench-init.XXXXXX)
alone=$(mktemp -d "$(dirname "$NEST")/nest-bench-alone.XXXXXX")
spawn_pid=
cleanup() {
    if [ -n "$spawn_pid" ] && kill -0 "$spawn_pid" 2>/dev/null; then
        kill -TERM "$spawn_pid" 2>/dev/null || true
        wait "$spawn_pid" 2>/dev/null || true
    fi
    rm -rf "$work" "$alone"
}
trap cleanup EXIT
ln "$NEST" "$alone/nest" 2>/dev/null || cp "$NEST" "$alone/nest"

root=$work/root
mkdir -p "$root/bin" "$root/system"
cp /usr/bin/busybox "$root/bin/busybox"
for a in $(/usr/bin/busybox --list); do
    [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
{
    printf '{"version":1,"services":{\n'
    for i in $(seq 1 10); do
        sep=,; [ "$i" = 10 ] && sep=
        printf '  "idle%s":{"command":["sleep","100000"],"wantedBy":["multi-user.target"]}%s\n' "$i" "$sep"
    done
    printf '}}\n'
} > "$root/system/services.json"

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# nest: $NEST ($(stat -c %s "$NEST") bytes), nest-init: $(stat -c %s "$(dirname "$NEST")/nest-init") bytes"

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

bench() {
    local label=$1 nest=$2
    local rss_list=() anon_list=() boot_list=() stop_list=() run name state n t0 t1 t2 t3 pid1 exe
    for run in $(seq 1 "$RUNS"); do
        name="bench-init-$$-$run"
        state="$work/run/containers/$name"
        t0=$(now_ns)
        "$nest" spawn -D "$root" --run-dir "$work/run" -M "$name" --boot /system \
            </dev/null >"$work/out" 2>&1 &
        spawn_pid=$!
        n=0
        for _ in $(seq 1 2000); do
            n=$(grep -c '"state": "running"' "$state/status.json" 2>/dev/null || true)
            [ "${n:-0}" -ge 10 ] && break
            sleep 0.005
        done
        [ "${n:-0}" -ge 10 ] || { echo "services did not come up:" >&2; cat "$work/out" >&2; exit 1; }
        t1=$(now_ns)
        sleep 0.2  # let PID 1 settle into its idle loop before measuring
        pid1=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$state/state.json" | head -1)
        exe=$(tr '\0' ' ' <"/proc/$pid1/cmdline")
        rss_list+=("$(awk '/^VmRSS:/ {print $2}' "/proc/$pid1/status")")
        anon_list+=("$(awk '/^RssAnon:/ {print $2}' "/proc/$pid1/status")")
        t2=$(now_ns)
        kill -TERM "$spawn_pid"
        wait "$spawn_pid"
        t3=$(now_ns)
        spawn_pid=
        boot_list+=("$(( (t1 - t0) / 1000 ))"); stop_list+=("$(( (t3 - t2) / 1000 ))")
    done
    printf '%-22s VmRSS %5s KiB (RssAnon %4s KiB)  start->10 running %7s us  SIGTERM->exit %6s us  [median of %s; VmRSS runs: %s]\n' \
        "$label" "$(printf '%s\n' "${rss_list[@]}" | median)" "$(printf '%s\n' "${anon_list[@]}" | median)" \
        "$(printf '%s\n' "${boot_list[@]}" | median)" "$(printf '%s\n' "${stop_list[@]}" | median)" "$RUNS" "${rss_list[*]}"
    echo "  PID 1: $exe"
}

bench "nest-init (production)" "$NEST"
bench "nest init (fallback)" "$alone/nest"
