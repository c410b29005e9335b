//! `top` and `stats`: the processes of a running container and its memory, CPU and
//! pids figures, read from its own cgroups (v1 or v2 file names) and `/proc`.

use nest_container::state::State;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub name: String,
    pub pid: i32,
    pub processes: usize,
    pub memory_bytes: Option<u64>,
    pub memory_max_bytes: Option<u64>,
    /// CPU time used by the whole container, nanoseconds.
    pub cpu_ns: Option<u64>,
    pub pids_current: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Proc {
    pub pid: i32,
    pub ppid: i32,
    pub state: String,
    pub rss_kib: u64,
    /// user + system time, clock ticks.
    pub cpu_ticks: u64,
    pub command: String,
}

fn read_u64(dir: &Path, file: &str) -> Option<u64> {
    std::fs::read_to_string(dir.join(file))
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn first<T>(dirs: &[PathBuf], f: impl Fn(&Path) -> Option<T>) -> Option<T> {
    dirs.iter().find_map(|d| f(d))
}

pub fn stats(state: &State) -> Stats {
    let dirs = &state.cgroups;
    let memory_bytes = first(dirs, |d| {
        read_u64(d, "memory.current").or_else(|| read_u64(d, "memory.usage_in_bytes"))
    });
    // v1 reports "no limit" as a huge number; v2 as "max" (which does not parse).
    let memory_max_bytes = first(dirs, |d| {
        read_u64(d, "memory.max").or_else(|| read_u64(d, "memory.limit_in_bytes"))
    })
    .filter(|m| *m < (1 << 60));
    let cpu_ns = first(dirs, |d| {
        read_u64(d, "cpuacct.usage").or_else(|| {
            let text = std::fs::read_to_string(d.join("cpu.stat")).ok()?;
            let usec = text
                .lines()
                .find_map(|l| l.strip_prefix("usage_usec "))?
                .trim()
                .parse::<u64>()
                .ok()?;
            Some(usec * 1000)
        })
    });
    let pids_current = first(dirs, |d| read_u64(d, "pids.current"));
    Stats {
        name: state.name.clone(),
        pid: state.pid,
        processes: pids(state).len(),
        memory_bytes,
        memory_max_bytes,
        cpu_ns,
        pids_current,
    }
}

/// Every process in the container's cgroups (and their child cgroups).
pub fn pids(state: &State) -> BTreeSet<i32> {
    let mut out = BTreeSet::new();
    for d in &state.cgroups {
        collect(d, &mut out, 0);
    }
    out
}

fn collect(dir: &Path, out: &mut BTreeSet<i32>, depth: usize) {
    if depth > 32 {
        return;
    }
    out.extend(nest_sys::cgroup::processes(dir).unwrap_or_default());
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                collect(&e.path(), out, depth + 1);
            }
        }
    }
}

/// One process from `/proc/PID/{stat,status,cmdline}`; `None` when it is gone.
pub fn proc_info(pid: i32) -> Option<Proc> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    let field = |i: usize| rest.get(i).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    Some(Proc {
        pid,
        ppid: rest.get(1).and_then(|s| s.parse().ok()).unwrap_or(0),
        state: rest.first().map(|s| s.to_string()).unwrap_or_default(),
        rss_kib,
        cpu_ticks: field(11) + field(12),
        command: if args.is_empty() {
            format!("[{comm}]")
        } else {
            args.join(" ")
        },
    })
}

pub fn processes(state: &State) -> Vec<Proc> {
    pids(state).into_iter().filter_map(proc_info).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let me = proc_info(std::process::id() as i32).unwrap();
        assert_eq!(me.pid, std::process::id() as i32);
        assert!(me.rss_kib > 0);
        assert!(!me.command.is_empty());
        assert!(proc_info(i32::MAX).is_none());
    }

    #[test]
    fn reads_v1_and_v2_file_names() {
        let d = tempfile::tempdir().unwrap();
        let v1 = d.path().join("memory");
        let v2 = d.path().join("unified");
        std::fs::create_dir_all(&v1).unwrap();
        std::fs::create_dir_all(&v2).unwrap();
        std::fs::write(v1.join("memory.usage_in_bytes"), "4096\n").unwrap();
        std::fs::write(v1.join("memory.limit_in_bytes"), "9223372036854771712\n").unwrap();
        std::fs::write(v1.join("cgroup.procs"), "").unwrap();
        std::fs::write(v2.join("cpu.stat"), "usage_usec 25\nuser_usec 20\n").unwrap();
        std::fs::write(v2.join("pids.current"), "3\n").unwrap();
        std::fs::write(v2.join("cgroup.procs"), format!("{}\n", std::process::id())).unwrap();
        let state = State {
            version: 1,
            name: "t".into(),
            pid: 1,
            start_time: 0,
            cgroups: vec![v1, v2],
            host_veth: None,
            environment: Default::default(),
            capabilities: 0,
            no_new_privileges: false,
            seccomp: false,
        };
        let s = stats(&state);
        assert_eq!(s.memory_bytes, Some(4096));
        assert_eq!(s.memory_max_bytes, None);
        assert_eq!(s.cpu_ns, Some(25_000));
        assert_eq!(s.pids_current, Some(3));
        assert_eq!(s.processes, 1);
        assert_eq!(processes(&state)[0].pid, std::process::id() as i32);
    }
}
