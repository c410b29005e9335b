#!/usr/bin/env bash
# PID 1 footprint and stop latency: start `nest init` with ten idle services, read the
# init process's VmRSS from /proc once all ten run, then time SIGTERM -> exit.
# Usage: bench/init/run.sh [RUNS]
# Measures two builds of the same init: `nest init` (the full nest binary, dynamically
# linked) and `nest-init` (crates/init's small binary, statically linked with
# +crt-static). NEST=… / NEST_INIT=… use existing binaries instead of building.
# State goes to tmpfs (/dev/shm), as /run/nest is in production.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-5}
TARGET=${CARGO_TARGET_DIR:-target}
if [ -z "${NEST:-}" ]; then
    cargo build --release -q -p nest
    NEST="$TARGET/release/nest"
fi
if [ -z "${NEST_INIT:-}" ]; then
    triple=$(rustc -vV | awk '/^host:/ {print $2}')
    RUSTFLAGS="-C target-feature=+crt-static" cargo build --release -q -p nest-init \
        --target "$triple" --target-dir "$TARGET-static"
    NEST_INIT="$TARGET-static/$triple/release/nest-init"
fi
base=/dev/shm; [ -d "$base" ] || base=/tmp
work=$(mktemp -d "$base/nest-bench-init.XXXXXX")
init_pid=
cleanup() {
    if [ -n "$init_pid" ] && kill -0 "$init_pid" 2>/dev/null; then
        kill -TERM "$init_pid" 2>/dev/null || true
        wait "$init_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/sys"
{
    printf '{"version":1,"services":{\n'
    for i in $(seq 1 10); do
        sep=,; [ "$i" = 10 ] && sep=
        printf '  "idle%s":{"command":["sleep","100000"],"wantedBy":["multi-user.target"]}%s\n' "$i" "$sep"
    done
    printf '}}\n'
} > "$work/sys/services.json"

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

bench() {
    local label=$1; shift
    local rss_list=() anon_list=() boot_list=() stop_list=() run state n t0 t1 t2 t3 rss anon
    for run in $(seq 1 "$RUNS"); do
        state="$work/state-$label-$run"
        t0=$(now_ns)
        "$@" --quiet --system "$work/sys" --state-dir "$state" &
        init_pid=$!
        for _ in $(seq 1 2000); do
            n=$(grep -c '"state": "running"' "$state/status.json" 2>/dev/null || true)
            [ "${n:-0}" -ge 10 ] && break
            sleep 0.005
        done
        [ "${n:-0}" -ge 10 ] || { echo "services did not come up" >&2; exit 1; }
        t1=$(now_ns)
        sleep 0.2  # let the loop settle into its idle state before measuring
        rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$init_pid/status")
        anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$init_pid/status")
        t2=$(now_ns)
        kill -TERM "$init_pid"
        wait "$init_pid"
        t3=$(now_ns)
        init_pid=
        rss_list+=("$rss"); anon_list+=("$anon")
        boot_list+=("$(( (t1 - t0) / 1000 ))"); stop_list+=("$(( (t3 - t2) / 1000 ))")
    done
    printf '%-28s VmRSS %5s KiB (RssAnon %4s KiB)  start->10 running %7s us  SIGTERM->exit %6s us  [median of %s; VmRSS runs: %s]\n' \
        "$label" "$(printf '%s\n' "${rss_list[@]}" | median)" "$(printf '%s\n' "${anon_list[@]}" | median)" \
        "$(printf '%s\n' "${boot_list[@]}" | median)" "$(printf '%s\n' "${stop_list[@]}" | median)" "$RUNS" "${rss_list[*]}"
}

bench "nest init (dynamic)" "$NEST" init
bench "nest-init (static)" "$NEST_INIT"
