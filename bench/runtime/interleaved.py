#!/usr/bin/env python3
"""Start-to-exit of `busybox true` for several nest builds and systemd-nspawn, run
interleaved (one run of each in turn, in a shuffled order per round), so that a load
that drifts during the measurement hits every command alike. hyperfine (run.sh) runs
all runs of one command before the next, which a drifting load on a shared machine
biases.

Usage: interleaved.py ROOT ROUNDS NAME=NEST_EXE... [--nspawn]   (root needed)
Prints median, mean, min and max per command, and each nest build's ratio to nspawn.
"""
import os, random, statistics, subprocess, sys, tempfile, time

def main():
    root, rounds = sys.argv[1], int(sys.argv[2])
    builds = [a.split("=", 1) for a in sys.argv[3:] if "=" in a]
    run_dir = tempfile.mkdtemp(prefix="nest-bench-run.")
    cmds = {name: [exe, "spawn", "-D", root, "--run-dir", run_dir, "-M", "bench", "--", "/bin/true"]
            for name, exe in builds}
    if "--nspawn" in sys.argv:
        cmds["systemd-nspawn"] = ["systemd-nspawn", "--register=no", "--keep-unit", "-q", "-D", root, "/bin/true"]
    times = {n: [] for n in cmds}
    devnull = subprocess.DEVNULL
    for n, c in cmds.items():  # warm-up
        for _ in range(5):
            subprocess.run(c, stdout=devnull, stderr=devnull, check=True)
    for _ in range(rounds):
        order = list(cmds)
        random.shuffle(order)
        for n in order:
            t = time.perf_counter()
            subprocess.run(cmds[n], stdout=devnull, stderr=devnull, check=True)
            times[n].append((time.perf_counter() - t) * 1000)
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"interleaved, {rounds} rounds, load average at the end: {load}")
    for n, v in times.items():
        print(f"  {n:18} median {statistics.median(v):7.2f} ms   mean {statistics.mean(v):7.2f} ms"
              f"   min {min(v):7.2f} ms   max {max(v):7.2f} ms")
    if "systemd-nspawn" in times:
        s = statistics.median(times["systemd-nspawn"])
        for n, _ in builds:
            print(f"  ratio {n}/nspawn (medians): {statistics.median(times[n]) / s:.3f}")

if __name__ == "__main__":
    main()
