#!/usr/bin/env python3
"""Runs a command once, its output thrown away, and prints one line:
`wall_s user_s sys_s maxrss_kb`. Exits with the command's status.

The times come from the rusage `wait4` returns, to the microsecond (/usr/bin/time
prints hundredths of a second, too coarse for workloads of 50 ms); they include
/usr/bin/time's own start (about a millisecond), which runs the command to report
its peak RSS: a child forked from this Python process would count Python's pages
in its peak (Linux keeps the largest RSS across `exec`), while /usr/bin/time is
small (the figures match what `/usr/bin/time -f %M` always gave here).

usage: bench/measure.py [--stderr FILE] CMD [ARG...]   (the command's stderr goes to
FILE, else it is thrown away)
"""
import os
import subprocess
import sys
import tempfile
import time

args = sys.argv[1:]
err_path = None
if args[:1] == ["--stderr"] and len(args) >= 2:
    err_path, args = args[1], args[2:]
if not args:
    sys.exit(__doc__)
err = open(err_path, "wb") if err_path else subprocess.DEVNULL
with tempfile.NamedTemporaryFile("r") as rss:
    start = time.monotonic()
    child = subprocess.Popen(
        ["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name] + args,
        stdout=subprocess.DEVNULL,
        stderr=err,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    lines = rss.read().split()
    peak = lines[-1] if lines else "0"
print(f"{wall:.6f} {usage.ru_utime:.6f} {usage.ru_stime:.6f} {peak}")
sys.exit(child.returncode if child.returncode >= 0 else 128 - child.returncode)
