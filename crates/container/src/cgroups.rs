//! A container's own cgroups: one directory in every mounted hierarchy (v1 controllers,
//! `name=systemd`, the v2 tree), the spec's limits written in each hierarchy's own
//! terms, the device allow-list (v1 `devices` controller and, in the v2 tree, a BPF
//! device filter), and removal.

use crate::spec::Limits;
use nest_sys::cgroup::{self, CgroupError, Hierarchy, Kind, Layout};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CgroupsError {
    #[error(transparent)]
    Cgroup(#[from] CgroupError),
    #[error(
        "limit {limit} needs the {controller} controller, which is not available on this host"
    )]
    MissingController {
        limit: &'static str,
        controller: &'static str,
    },
    #[error("limits.ioWeight: neither io.weight nor blkio.weight exists in {0} (the I/O scheduler has no weights)")]
    NoIoWeight(PathBuf),
    #[error("cgroup {0} already holds processes: is the container already running?")]
    Busy(PathBuf),
    #[error("the device allow-list cannot be enforced on this pure cgroup v2 host: {0}")]
    DeviceFilter(#[source] nest_sys::bpf::BpfError),
}

/// A device rule for the v1 `devices` controller: `c 1:3 rwm`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRule {
    pub kind: char,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    pub access: String,
}

impl DeviceRule {
    pub fn render(&self) -> String {
        let n = |v: Option<u32>| v.map_or_else(|| "*".to_string(), |v| v.to_string());
        format!(
            "{} {}:{} {}",
            self.kind,
            n(self.major),
            n(self.minor),
            self.access
        )
    }

    /// The same rule for the BPF device filter of cgroup v2.
    pub fn to_bpf(&self) -> nest_sys::bpf::DeviceAllow {
        use nest_sys::bpf::{DeviceAllow, DeviceType};
        DeviceAllow {
            kind: match self.kind {
                'c' => DeviceType::Char,
                'b' => DeviceType::Block,
                _ => DeviceType::Any,
            },
            major: self.major,
            minor: self.minor,
            access: DeviceAllow::access_from_letters(&self.access),
        }
    }

    fn chr(major: u32, minor: Option<u32>) -> DeviceRule {
        DeviceRule {
            kind: 'c',
            major: Some(major),
            minor,
            access: "rwm".into(),
        }
    }
}

/// The devices every container may use: the minimal /dev and pseudo-terminals.
pub fn base_device_rules(enable_tun: bool) -> Vec<DeviceRule> {
    let mut v = vec![
        DeviceRule::chr(1, Some(3)),
        DeviceRule::chr(1, Some(5)),
        DeviceRule::chr(1, Some(7)),
        DeviceRule::chr(1, Some(8)),
        DeviceRule::chr(1, Some(9)),
        DeviceRule::chr(5, Some(0)),
        DeviceRule::chr(5, Some(1)),
        DeviceRule::chr(5, Some(2)),
        DeviceRule::chr(136, None),
    ];
    if enable_tun {
        v.push(DeviceRule::chr(10, Some(200)));
    }
    v
}

/// The rule for a host device node, by its type and numbers.
pub fn rule_for_node(node: &Path, access: &str) -> std::io::Result<DeviceRule> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let md = std::fs::metadata(node)?;
    let kind = if md.file_type().is_block_device() {
        'b'
    } else if md.file_type().is_char_device() {
        'c'
    } else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a device node", node.display()),
        ));
    };
    let rdev = md.rdev();
    let major = ((rdev >> 32) & 0xffff_f000) as u32 | ((rdev >> 8) & 0xfff) as u32;
    let minor = ((rdev >> 12) & 0xffff_ff00) as u32 | (rdev & 0xff) as u32;
    Ok(DeviceRule {
        kind,
        major: Some(major),
        minor: Some(minor),
        access: access.to_string(),
    })
}

/// One control-file write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub hierarchy: usize,
    pub file: &'static str,
    pub value: String,
}

/// The writes that apply `limits` and `devices` to a container's cgroups, in order.
/// Pure, so each host layout's mapping is unit-tested.
pub fn plan_writes(
    layout: &Layout,
    limits: &Limits,
    devices: &[DeviceRule],
) -> Result<Vec<Write>, CgroupsError> {
    let mut out = Vec::new();
    let v2 = layout.hierarchies.iter().position(|h| h.kind == Kind::V2);
    let pure_v2 = layout.is_pure_v2();
    let v1 = |c: &str| layout.hierarchies.iter().position(|h| h.has_controller(c));
    let pick = |c: &'static str, limit: &'static str| -> Result<(usize, bool), CgroupsError> {
        match (v1(c), v2) {
            (Some(i), _) => Ok((i, false)),
            (None, Some(i)) if pure_v2 => Ok((i, true)),
            _ => Err(CgroupsError::MissingController {
                limit,
                controller: c,
            }),
        }
    };
    let w = |hierarchy, file, value: String| Write {
        hierarchy,
        file,
        value,
    };
    if let Some(m) = limits.memory_max {
        let (i, is_v2) = pick("memory", "memoryMax")?;
        out.push(if is_v2 {
            w(i, "memory.max", m.to_string())
        } else {
            w(i, "memory.limit_in_bytes", m.to_string())
        });
    }
    if let Some(p) = limits.pids_max {
        let (i, _) = pick("pids", "pidsMax")?;
        out.push(w(i, "pids.max", p.to_string()));
    }
    if let Some(cw) = limits.cpu_weight {
        let (i, is_v2) = pick("cpu", "cpuWeight")?;
        // systemd's mapping: weight 100 is the default 1024 shares.
        out.push(if is_v2 {
            w(i, "cpu.weight", cw.to_string())
        } else {
            w(i, "cpu.shares", (cw * 1024 / 100).max(2).to_string())
        });
    }
    if let Some(q) = limits.cpu_quota_percent {
        let (i, is_v2) = pick("cpu", "cpuQuotaPercent")?;
        let period = 100_000u64;
        let quota = q * period / 100;
        if is_v2 {
            out.push(w(i, "cpu.max", format!("{quota} {period}")));
        } else {
            out.push(w(i, "cpu.cfs_period_us", period.to_string()));
            out.push(w(i, "cpu.cfs_quota_us", quota.to_string()));
        }
    }
    if let Some(iw) = limits.io_weight {
        let (i, is_v2) = pick("blkio", "ioWeight").or_else(|_| pick("io", "ioWeight"))?;
        // v1 blkio weights range 10..1000; map linearly like systemd does.
        out.push(if is_v2 {
            w(i, "io.weight", format!("default {iw}"))
        } else {
            w(i, "blkio.weight", ((iw - 1) * 990 / 9999 + 10).to_string())
        });
    }
    if let Some(i) = v1("devices") {
        out.push(w(i, "devices.deny", "a".into()));
        for d in devices {
            out.push(w(i, "devices.allow", d.render()));
        }
    }
    Ok(out)
}

/// The directory name of a container's cgroup: `nest-<name>`, hashed when it would
/// exceed a file name's length.
pub fn dir_name(name: &str) -> String {
    if name.len() <= 200 {
        return format!("nest-{name}");
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("nest-{}-{h:016x}", &name[..180])
}

/// The container's cgroup directories on the host, one per hierarchy, in layout order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cgroups {
    pub dirs: Vec<PathBuf>,
    /// Which of `dirs` is in the cgroup v2 tree.
    pub v2: Option<usize>,
}

impl Cgroups {
    /// Creates the directories (below this process's own cgroup in each hierarchy),
    /// enables controllers on a pure v2 host, writes limits and device rules.
    pub fn create(
        layout: &Layout,
        name: &str,
        limits: &Limits,
        devices: &[DeviceRule],
    ) -> Result<Cgroups, CgroupsError> {
        let writes = plan_writes(layout, limits, devices)?;
        let leaf = dir_name(name);
        let mut made = Cgroups {
            dirs: Vec::new(),
            v2: layout.hierarchies.iter().position(|h| h.kind == Kind::V2),
        };
        let result = (|| {
            for h in &layout.hierarchies {
                let parent = h.path_of(&h.current);
                if layout.is_pure_v2() {
                    enable_v2_controllers(h, &parent)?;
                }
                let dir = parent.join(&leaf);
                // mkdir first, no existence check before it: a lookup of a missing
                // name in a cgroup file system is not free, and this runs on every
                // start in every hierarchy.
                match std::fs::create_dir(&dir) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        if !cgroup::processes(&dir)?.is_empty() {
                            return Err(CgroupsError::Busy(dir));
                        }
                    }
                    // Missing parents, or an error that create() reports with its path.
                    Err(_) => cgroup::create(&dir)?,
                }
                made.dirs.push(dir.clone());
                if h.has_controller("cpuset") {
                    // A v1 cpuset cgroup starts empty and refuses tasks until it has
                    // CPUs and memory nodes: inherit the parent's.
                    for f in ["cpuset.cpus", "cpuset.mems"] {
                        let v = cgroup::read_file(&parent, f)?;
                        if !v.trim().is_empty() {
                            cgroup::write(&dir, f, v.trim())?;
                        }
                    }
                }
            }
            for wr in &writes {
                cgroup::write(&made.dirs[wr.hierarchy], wr.file, &wr.value)?;
            }
            if let Some(dir) = made.v2_dir() {
                let rules: Vec<_> = devices.iter().map(DeviceRule::to_bpf).collect();
                match nest_sys::bpf::attach_device_filter(dir, &rules) {
                    Ok(()) => {}
                    // A hybrid host's v1 devices controller already enforces the list;
                    // the filter there is a second line (and fails on kernels without
                    // cgroup BPF).
                    Err(_) if layout.v1("devices").is_some() => {}
                    Err(e) => return Err(CgroupsError::DeviceFilter(e)),
                }
            }
            Ok(())
        })();
        match result {
            Ok(()) => Ok(made),
            Err(e) => {
                let _ = made.remove();
                Err(e)
            }
        }
    }

    /// The container's cgroup v2 directory, to start its first process in.
    pub fn v2_dir(&self) -> Option<&Path> {
        self.v2.and_then(|i| self.dirs.get(i)).map(PathBuf::as_path)
    }

    /// Opens, on the host, the files through which the container's first process
    /// moves itself into these cgroups with [`join`] (v1 `tasks`, v2 `cgroup.procs`):
    /// a process moving itself skips the RCU grace period that moving it from outside
    /// costs on v1 hierarchies.
    pub fn join_files(&self) -> Result<Vec<JoinFile>, CgroupsError> {
        self.dirs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let v2 = Some(i) == self.v2;
                let path = d.join(if v2 { "cgroup.procs" } else { "tasks" });
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(|source| CgroupError::Write {
                        path: path.clone(),
                        value: "0".to_string(),
                        source,
                    })?;
                Ok(JoinFile { path, file, v2 })
            })
            .collect()
    }

    /// Kills what is left and removes the directories.
    pub fn remove(&self) -> Result<(), CgroupsError> {
        let mut first = None;
        for d in &self.dirs {
            if let Err(e) = cgroup::kill_and_remove(d) {
                first.get_or_insert(e);
            }
        }
        match first {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }
}

/// A cgroup's membership file, opened on the host for the container's first process.
#[derive(Debug)]
pub struct JoinFile {
    path: PathBuf,
    file: std::fs::File,
    v2: bool,
}

/// Moves the calling (single-threaded) process into every cgroup of `files`; the v2
/// one is skipped when the process was born there (`CLONE_INTO_CGROUP`).
pub fn join(files: &[JoinFile], born_in_v2: bool) -> Result<(), CgroupsError> {
    for j in files.iter().filter(|j| !(j.v2 && born_in_v2)) {
        cgroup::join_self(&j.file, &j.path)?;
    }
    Ok(())
}

/// On a pure v2 host, controllers must be enabled in the parent's subtree_control. A
/// non-root cgroup that holds processes cannot do that, so this process moves itself
/// into a leaf `nest-runtime` first (once).
fn enable_v2_controllers(h: &Hierarchy, parent: &Path) -> Result<(), CgroupsError> {
    let available = cgroup::read_file(parent, "cgroup.controllers")?;
    let wanted: Vec<&str> = available
        .split_whitespace()
        .filter(|c| matches!(*c, "cpu" | "memory" | "pids" | "io"))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let value = wanted
        .iter()
        .map(|c| format!("+{c}"))
        .collect::<Vec<_>>()
        .join(" ");
    match cgroup::write(parent, "cgroup.subtree_control", &value) {
        Ok(()) => Ok(()),
        Err(CgroupError::Write { source, .. })
            if source.raw_os_error() == Some(libc::EBUSY) && h.current != Path::new("/") =>
        {
            let leaf = parent.join("nest-runtime");
            cgroup::create(&leaf)?;
            for pid in cgroup::processes(parent)? {
                // Only this process is ours to move; others keep the parent busy and
                // the retry below reports that.
                if pid == std::process::id() as i32 {
                    cgroup::add_process(&leaf, pid)?;
                }
            }
            cgroup::write(parent, "cgroup.subtree_control", &value)?;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hybrid() -> Layout {
        Layout::parse(
            "31 30 0:27 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n\
             32 30 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n\
             33 30 0:29 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n\
             34 30 0:30 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n\
             35 30 0:31 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n\
             36 30 0:32 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
            "5:blkio:/\n4:devices:/\n3:pids:/\n2:memory:/m\n1:cpu:/\n0::/\n",
        )
    }

    fn v2() -> Layout {
        Layout::parse(
            "25 20 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
            "0::/a\n",
        )
    }

    fn limits() -> Limits {
        Limits {
            memory_max: Some(1 << 26),
            cpu_weight: Some(200),
            cpu_quota_percent: Some(50),
            pids_max: Some(32),
            io_weight: Some(10000),
        }
    }

    #[test]
    fn hybrid_maps_to_v1_files() {
        let l = hybrid();
        let w = plan_writes(&l, &limits(), &base_device_rules(false)).expect("plan");
        let files: Vec<(&str, &str)> = w.iter().map(|w| (w.file, w.value.as_str())).collect();
        assert!(files.contains(&("memory.limit_in_bytes", "67108864")));
        assert!(files.contains(&("pids.max", "32")));
        assert!(files.contains(&("cpu.shares", "2048")));
        assert!(files.contains(&("cpu.cfs_quota_us", "50000")));
        assert!(files.contains(&("blkio.weight", "1000")));
        let deny = w
            .iter()
            .position(|w| w.file == "devices.deny")
            .expect("deny");
        let allow = w
            .iter()
            .position(|w| w.file == "devices.allow")
            .expect("allow");
        assert!(deny < allow, "deny all first, then allow");
        assert!(files.contains(&("devices.allow", "c 136:* rwm")));
        assert!(
            !files.iter().any(|(_, v)| v.starts_with('b')),
            "no block device allowed"
        );
        assert_eq!(
            l.hierarchies[w[0].hierarchy].mountpoint,
            PathBuf::from("/sys/fs/cgroup/memory")
        );
    }

    #[test]
    fn pure_v2_maps_to_v2_files() {
        let w = plan_writes(&v2(), &limits(), &base_device_rules(true)).expect("plan");
        let files: Vec<(&str, &str)> = w.iter().map(|w| (w.file, w.value.as_str())).collect();
        assert_eq!(
            files,
            vec![
                ("memory.max", "67108864"),
                ("pids.max", "32"),
                ("cpu.weight", "200"),
                ("cpu.max", "50000 100000"),
                ("io.weight", "default 10000")
            ]
        );
    }

    #[test]
    fn missing_controller_is_an_error() {
        let l = Layout::parse(
            "36 30 0:32 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n31 30 0:27 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n",
            "1:cpu:/\n0::/\n",
        );
        let e = plan_writes(
            &l,
            &Limits {
                pids_max: Some(3),
                ..Limits::default()
            },
            &[],
        )
        .expect_err("no pids");
        assert_eq!(
            e.to_string(),
            "limit pidsMax needs the pids controller, which is not available on this host"
        );
    }

    #[test]
    fn rules_render() {
        assert_eq!(DeviceRule::chr(10, Some(200)).render(), "c 10:200 rwm");
        let null = rule_for_node(Path::new("/dev/null"), "rw").expect("stat /dev/null");
        assert_eq!(null.render(), "c 1:3 rw");
    }

    #[test]
    fn long_names_hash() {
        assert_eq!(dir_name("web"), "nest-web");
        assert!(dir_name(&"y".repeat(400)).len() < 255);
    }
}
