#!/usr/bin/env bash
# Where a start goes: phase durations of N `nest spawn -- /bin/true` runs, from ftrace
# events (sys_enter/sys_exit of execve, clone3, pivot_root, umount2, clone, exit_group;
# sched_process_exec/exit; SIGCHLD), in a tracefs instance of its own (low overhead).
# Needs root and tracefs at /sys/kernel/tracing. Usage:
#   NEST=path/to/nest [N=30] bench/runtime/phases.sh ROOT
set -euo pipefail
root=$1
N=${N:-30}
NEST=${NEST:?NEST=path/to/nest}
here=$(cd "$(dirname "$0")" && pwd)
run=$(mktemp -d /tmp/nest-phases.XXXXXX)
T=/sys/kernel/tracing/instances/nest-phases-$$
mkdir "$T"
cleanup() { echo 0 > "$T/tracing_on" 2>/dev/null || true; rmdir "$T" 2>/dev/null || true; rm -rf "$run"; }
trap cleanup EXIT
echo 8192 > "$T/buffer_size_kb"
f='id == 435 || id == 155 || id == 166 || id == 56 || id == 59 || id == 231'
for e in raw_syscalls/sys_enter raw_syscalls/sys_exit; do
  echo "$f" > "$T/events/$e/filter"; echo 1 > "$T/events/$e/enable"
done
echo 1 > "$T/events/sched/sched_process_exit/enable"
echo 1 > "$T/events/sched/sched_process_exec/enable"
echo 'sig == 17' > "$T/events/signal/signal_generate/filter"
echo 1 > "$T/events/signal/signal_generate/enable"
echo 1 > "$T/tracing_on"
for _ in $(seq "$N"); do "$NEST" spawn -D "$root" --run-dir "$run" -M bench -- /bin/true; done
echo 0 > "$T/tracing_on"
cat "$T/trace" > "$run/trace.txt"
echo 0 > "$T/events/enable"
python3 "$here/phases.py" "$run/trace.txt"
