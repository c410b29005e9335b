"""Phase durations of `nest spawn -- /bin/true` runs from an ftrace text dump (see
phases.sh): host start-up until clone3, the child's mounts until pivot_root, the old
root's detach, the rest of the child's setup, the command's spawn, run and exit, PID 1's
exit and namespace teardown until the host's SIGCHLD, and the host's cleanup."""
import re, sys, statistics
ev = []
for l in open(sys.argv[1]):
    if l.startswith('#'): continue
    m = re.match(r'\s*(.+?)-(\d+)\s+\[\d+\]\s+\S+\s+([\d.]+): (\w+): (.*)', l)
    if m: ev.append((float(m.group(3))*1000, m.group(1), int(m.group(2)), m.group(4), m.group(5)))
runs = []; cur = None
for ts, comm, pid, e, rest in ev:
    if e == 'sched_process_exec' and rest.split()[0].endswith('/nest'):
        cur = {'exec': ts, 'host': pid}; runs.append(cur); continue
    if cur is None: continue
    nr = None
    if e in ('sys_enter', 'sys_exit'): nr = int(rest.split()[1])
    if e == 'sys_enter' and nr == 435 and pid == cur['host']: cur['clone3'] = ts
    if e == 'sys_enter' and nr == 155: cur['pivot'] = ts
    if e == 'sys_exit' and nr == 166: cur['umount_done'] = ts
    if e == 'sys_enter' and nr == 56 and 'spawn' not in cur: cur['spawn'] = ts
    if e == 'sched_process_exec' and 'filename=/bin/true' in rest: cur['true_exec'] = ts
    if e == 'sched_process_exec' and 'nest-init' in rest: cur['true_exec'] = ts
    if e == 'sched_process_exit' and comm == 'true': cur['true_exit'] = ts
    if e == 'sched_process_exit' and comm != 'true' and pid != cur['host'] and 'pid1_exit' not in cur and 'true_exit' in cur: cur['pid1_exit'] = ts
    if e == 'signal_generate' and 'pid=%d ' % cur['host'] in rest + ' ' and 'pid1_exit' in cur: cur['host_sigchld'] = ts
    if e == 'sched_process_exit' and pid == cur['host']: cur['host_exit'] = ts; cur = None
keys = ['exec','clone3','pivot','umount_done','spawn','true_exec','true_exit','pid1_exit','host_sigchld','host_exit']
names = ['host start-up+prep','child mounts','umount detach','child finish','cmd start','cmd run','pid1 exit','teardown->host','host cleanup']
ok = [r for r in runs if all(k in r for k in keys)]
print(f"{len(ok)}/{len(runs)} complete runs")
tot = []
for i, n in enumerate(names):
    d = [r[keys[i+1]] - r[keys[i]] for r in ok]
    if d: print(f"  {n:20} median {statistics.median(d):6.3f}  mean {statistics.mean(d):6.3f}  min {min(d):6.3f}")
t = [r['host_exit'] - r['exec'] for r in ok]
if t: print(f"  {'total (exec->exit)':20} median {statistics.median(t):6.3f}  mean {statistics.mean(t):6.3f}  min {min(t):6.3f}")
