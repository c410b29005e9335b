//! Cgroup hierarchies as this process sees them (v1 controllers, named v1 hierarchies,
//! the v2 tree; hybrid or pure v2), and file-level operations on a cgroup directory.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    #[error("reading {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing {value:?} to {path}")]
    Write {
        path: PathBuf,
        value: String,
        source: std::io::Error,
    },
    #[error("creating cgroup {path}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("removing cgroup {path}")]
    Remove {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no cgroup hierarchy is mounted (looked in /proc/self/mountinfo)")]
    NoHierarchy,
}

/// What kind of hierarchy a mount is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A v1 hierarchy; `options` are the controllers (`cpu`, `memory`) and/or
    /// `name=…`, exactly as they must be passed to mount it again.
    V1 {
        options: Vec<String>,
    },
    V2,
}

/// One mounted hierarchy and this process's place in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    pub kind: Kind,
    /// Where it is mounted on the host, e.g. `/sys/fs/cgroup/memory`.
    pub mountpoint: PathBuf,
    /// This process's cgroup, relative to the hierarchy root (`/` or `/a/b`).
    pub current: PathBuf,
}

impl Hierarchy {
    /// Whether this hierarchy carries a controller (`memory`, `pids`, …).
    pub fn has_controller(&self, controller: &str) -> bool {
        match &self.kind {
            Kind::V1 { options } => options.iter().any(|o| o == controller),
            Kind::V2 => false,
        }
    }

    /// The host path of a cgroup given relative to this hierarchy's root.
    pub fn path_of(&self, cgroup: &Path) -> PathBuf {
        self.mountpoint
            .join(cgroup.strip_prefix("/").unwrap_or(cgroup))
    }
}

/// Every cgroup hierarchy mounted in this mount namespace.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Layout {
    pub hierarchies: Vec<Hierarchy>,
}

/// Options a cgroup v1 mount shows that are not hierarchy identifiers.
const NON_IDENTIFYING: &[&str] = &[
    "rw",
    "ro",
    "relatime",
    "noatime",
    "nosuid",
    "nodev",
    "noexec",
    "clone_children",
    "xattr",
    "noprefix",
    "cpuset_v2_mode",
    "favordynmods",
    "nsdelegate",
    "memory_recursiveprot",
    "memory_localevents",
    "memory_hugetlb_accounting",
    "pids_localevents",
];

impl Layout {
    /// Reads `/proc/self/mountinfo` and `/proc/self/cgroup`.
    pub fn detect() -> Result<Layout, CgroupError> {
        let mi = read("/proc/self/mountinfo")?;
        let cg = read("/proc/self/cgroup")?;
        let layout = Layout::parse(&mi, &cg);
        if layout.hierarchies.is_empty() {
            return Err(CgroupError::NoHierarchy);
        }
        Ok(layout)
    }

    /// Pure parser behind [`Layout::detect`].
    pub fn parse(mountinfo: &str, proc_cgroup: &str) -> Layout {
        let mut memberships: Vec<(Vec<String>, PathBuf)> = Vec::new();
        let mut v2_path = None;
        for line in proc_cgroup.lines() {
            let mut parts = line.splitn(3, ':');
            let (Some(_id), Some(ctrls), Some(path)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if ctrls.is_empty() {
                v2_path = Some(PathBuf::from(path));
            } else {
                memberships.push((
                    ctrls.split(',').map(str::to_string).collect(),
                    PathBuf::from(path),
                ));
            }
        }
        let mut hierarchies: Vec<Hierarchy> = Vec::new();
        for line in mountinfo.lines() {
            let Some((pre, post)) = line.split_once(" - ") else {
                continue;
            };
            let pre: Vec<&str> = pre.split(' ').collect();
            let post: Vec<&str> = post.split(' ').collect();
            let (Some(mountpoint), Some(fstype), Some(superopts)) =
                (pre.get(4), post.first(), post.get(2))
            else {
                continue;
            };
            let mountpoint = PathBuf::from(unescape(mountpoint));
            let hierarchy = match *fstype {
                "cgroup2" => match &v2_path {
                    Some(p) => Hierarchy {
                        kind: Kind::V2,
                        mountpoint,
                        current: p.clone(),
                    },
                    None => continue,
                },
                "cgroup" => {
                    let options: Vec<String> = superopts
                        .split(',')
                        .filter(|o| {
                            !NON_IDENTIFYING.contains(o) && !o.starts_with("release_agent=")
                        })
                        .map(str::to_string)
                        .collect();
                    let Some((_, path)) = memberships.iter().find(|(ctrls, _)| {
                        ctrls.len() == options.len() && ctrls.iter().all(|c| options.contains(c))
                    }) else {
                        continue;
                    };
                    Hierarchy {
                        kind: Kind::V1 { options },
                        mountpoint,
                        current: path.clone(),
                    }
                }
                _ => continue,
            };
            // The same hierarchy may be mounted twice; the first mount is enough.
            if !hierarchies.iter().any(|h| h.kind == hierarchy.kind) {
                hierarchies.push(hierarchy);
            }
        }
        Layout { hierarchies }
    }

    /// True when the only hierarchy is cgroup2 (a "unified" host).
    pub fn is_pure_v2(&self) -> bool {
        self.hierarchies.iter().all(|h| h.kind == Kind::V2)
    }

    /// The v1 hierarchy carrying `controller`, if any.
    pub fn v1(&self, controller: &str) -> Option<&Hierarchy> {
        self.hierarchies
            .iter()
            .find(|h| h.has_controller(controller))
    }

    pub fn v2(&self) -> Option<&Hierarchy> {
        self.hierarchies.iter().find(|h| h.kind == Kind::V2)
    }
}

/// Undoes mountinfo's octal escapes (`\040` for a space).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn read(path: &str) -> Result<String, CgroupError> {
    std::fs::read_to_string(path).map_err(|source| CgroupError::Read {
        path: path.into(),
        source,
    })
}

/// Creates a cgroup directory (and missing parents).
pub fn create(dir: &Path) -> Result<(), CgroupError> {
    std::fs::create_dir_all(dir).map_err(|source| CgroupError::Create {
        path: dir.to_path_buf(),
        source,
    })
}

/// Writes one control file.
pub fn write(dir: &Path, file: &str, value: &str) -> Result<(), CgroupError> {
    let path = dir.join(file);
    std::fs::write(&path, value).map_err(|source| CgroupError::Write {
        path,
        value: value.to_string(),
        source,
    })
}

/// Reads one control file.
pub fn read_file(dir: &Path, file: &str) -> Result<String, CgroupError> {
    let path = dir.join(file);
    std::fs::read_to_string(&path).map_err(|source| CgroupError::Read { path, source })
}

/// Moves a process into a cgroup.
pub fn add_process(dir: &Path, pid: i32) -> Result<(), CgroupError> {
    write(dir, "cgroup.procs", &pid.to_string())
}

/// Moves one thread into a v1 cgroup (its `tasks` file). For a single-threaded process
/// this moves the process. (Measured on kernel 6.18: the first migration after an idle
/// period still waits for an RCU grace period, by `tasks` as by `cgroup.procs`; see
/// [`join_self`] for the way around it.)
pub fn add_thread(dir: &Path, tid: i32) -> Result<(), CgroupError> {
    write(dir, "tasks", &tid.to_string())
}

/// Moves the calling thread into the cgroup of `file`, an open v1 `tasks` or v2
/// `cgroup.procs` file, by writing `0` (the caller itself). For a single-threaded
/// process this moves the process. On a v1 `tasks` file this is the kernel's fast path:
/// a thread moving itself does not take the global thread-group lock, whose first
/// write-locking after an idle period waits for an RCU grace period (10-15 ms measured
/// here when another pid is written; 10-60 µs for `0`). The file may have been opened
/// by another process (the host side, before a fork); the kernel checks the writer's
/// (v1) or the opener's (v2) credentials.
pub fn join_self(file: &std::fs::File, path: &Path) -> Result<(), CgroupError> {
    use std::io::Write;
    let mut f: &std::fs::File = file;
    f.write_all(b"0").map_err(|source| CgroupError::Write {
        path: path.to_path_buf(),
        value: "0".to_string(),
        source,
    })
}

/// The processes in a cgroup (not its children).
pub fn processes(dir: &Path) -> Result<Vec<i32>, CgroupError> {
    Ok(read_file(dir, "cgroup.procs")?
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect())
}

/// SIGKILLs every process left in a cgroup tree and removes the directories, children
/// first. Retries briefly: a killed process leaves its cgroup only once it is reaped.
pub fn kill_and_remove(dir: &Path) -> Result<(), CgroupError> {
    // The common case, an empty cgroup without children, in one call (a container's
    // stop waits for this in every hierarchy).
    match std::fs::remove_dir(dir) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(_) => {}
    }
    let mut children = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                children.push(e.path());
            }
        }
    }
    for child in children {
        kill_and_remove(&child)?;
    }
    let mut last = None;
    for attempt in 0..200 {
        for pid in processes(dir).unwrap_or_default() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        match std::fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => last = Some(e),
        }
        std::thread::sleep(std::time::Duration::from_millis(if attempt < 20 {
            1
        } else {
            10
        }));
    }
    Err(CgroupError::Remove {
        path: dir.to_path_buf(),
        source: last.unwrap_or_else(|| std::io::Error::from(std::io::ErrorKind::Other)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID_MI: &str = "\
30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
32 30 0:28 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
33 30 0:29 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
34 30 0:30 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
35 30 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
";
    const HYBRID_CG: &str = "3:name=systemd:/\n2:memory:/a/b\n1:cpu:/\n0::/u\n";

    #[test]
    fn parses_hybrid() {
        let l = Layout::parse(HYBRID_MI, HYBRID_CG);
        assert_eq!(l.hierarchies.len(), 4, "{l:#?}");
        let mem = l.v1("memory").expect("memory");
        assert_eq!(mem.mountpoint, PathBuf::from("/sys/fs/cgroup/memory"));
        assert_eq!(mem.current, PathBuf::from("/a/b"));
        assert_eq!(
            mem.path_of(Path::new("/a/b/c")),
            PathBuf::from("/sys/fs/cgroup/memory/a/b/c")
        );
        let sd = &l.hierarchies[2];
        assert_eq!(
            sd.kind,
            Kind::V1 {
                options: vec!["name=systemd".into()]
            }
        );
        assert_eq!(l.v2().map(|h| h.current.clone()), Some(PathBuf::from("/u")));
        assert!(!l.is_pure_v2());
    }

    #[test]
    fn parses_pure_v2() {
        let mi = "25 20 0:22 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
        let l = Layout::parse(mi, "0::/user.slice/x.scope\n");
        assert!(l.is_pure_v2());
        assert_eq!(
            l.hierarchies[0].current,
            PathBuf::from("/user.slice/x.scope")
        );
    }

    #[test]
    fn unescapes_spaces() {
        assert_eq!(unescape("/a\\040b"), "/a b");
    }
}
