#!/usr/bin/env bash
# Runtime benchmarks, nest side by side with systemd-nspawn in one run:
#  1. start-to-exit of `busybox true` in a fresh container (median of RUNS runs each);
#  2. CONCURRENT containers started at once with `nest spawn` (failures counted).
# Needs root, busybox-static, systemd-container and hyperfine (scripts/install-deps.sh).
# Usage: bench/runtime/run.sh [RUNS=200] [CONCURRENT=200]   (results on stdout)
# NEST=… uses an existing build instead of building; BASE=… (another nest executable,
# e.g. an earlier commit's release build) adds it to the same hyperfine run.
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-200}
CONCURRENT=${CONCURRENT:-200}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
if [ -z "${NEST:-}" ]; then
  cargo build --release -q -p nest
  NEST=$CARGO_TARGET_DIR/release/nest
fi

work=$(mktemp -d /tmp/nest-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/bin" "$root/usr"   # nspawn refuses a root without /usr
cp /usr/bin/busybox "$root/bin/busybox"
for a in $(/usr/bin/busybox --list); do
  [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done

echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# cgroups: $(mount -t cgroup2 | awk '{print $3}' | tr '\n' ' ')(v2) + $(mount -t cgroup | wc -l) v1 hierarchies"

base=()
[ -n "${BASE:-}" ] && base=(-n "nest spawn (BASE)" "$BASE spawn -D $root --run-dir $work/run -M bench -- /bin/true")
hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$work/start.json" \
  -n "nest spawn" "$NEST spawn -D $root --run-dir $work/run -M bench -- /bin/true" \
  -n "systemd-nspawn" "systemd-nspawn --register=no --keep-unit -q -D $root /bin/true" \
  "${base[@]}" >&2

python3 - "$work/start.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
n, s = r["nest spawn"], r["systemd-nspawn"]
ms = lambda v: v * 1000
print(f"start-to-exit, busybox true, {len(n['times'])} runs each:")
for name, x in r.items():
    print(f"  {name:18} median {ms(x['median']):7.2f} ms   mean {ms(x['mean']):7.2f} ms   min {ms(x['min']):7.2f} ms   max {ms(x['max']):7.2f} ms")
print(f"  ratio nest/nspawn (medians): {n['median'] / s['median']:.3f}")
if "nest spawn (BASE)" in r:
    b = r["nest spawn (BASE)"]
    print(f"  ratio BASE/nspawn (medians): {b['median'] / s['median']:.3f}")
PY

# CONCURRENT containers at once: each a fresh `nest spawn` running `sleep 1`, so they
# are all alive together; a failure is a non-zero exit or missing output.
mkdir -p "$work/out"
start=$(date +%s%N)
pids=()
for i in $(seq 1 "$CONCURRENT"); do
  "$NEST" spawn -D "$root" --run-dir "$work/run" -M "c$i" -- /bin/sh -c "echo up; sleep 1" >"$work/out/$i" 2>&1 &
  pids+=($!)
done
fail=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then fail=$((fail + 1)); continue; fi
  grep -qx up "$work/out/$((i + 1))" || fail=$((fail + 1))
done
end=$(date +%s%N)
echo "concurrent: $CONCURRENT containers started at once (each lives 1 s): $fail failed, all done in $(( (end - start) / 1000000 )) ms"
