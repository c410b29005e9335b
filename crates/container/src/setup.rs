//! The in-namespace setup sequence of a container's first process: mount propagation,
//! the root (bind or ephemeral overlay), /proc with masked paths, read-only /sys with
//! the container's own cgroups, a minimal /dev, /run and /tmp, the store read-only,
//! bind and tmpfs mounts, nest's own executable for PID 1, pivot_root, hostname.
//!
//! Everything goes through [`Syscall`], so the exact sequence is unit-tested with the
//! recording fake; the privileged e2e tests check the result from inside.

use nest_sys::cgroup::Kind;
use nest_sys::syscall::{bind, Syscall, SyscallError};
use nest_sys::MsFlags;
use std::path::{Path, PathBuf};

/// A bind mount with its source already checked on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    pub source: PathBuf,
    /// Path inside the container.
    pub target: PathBuf,
    pub read_only: bool,
    pub is_dir: bool,
}

/// A cgroup hierarchy to mount again inside, below `/sys/fs/cgroup`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupMount {
    pub kind: Kind,
    /// Directory name below `/sys/fs/cgroup` (`memory`, `unified`); empty when the
    /// hierarchy is mounted on `/sys/fs/cgroup` itself (a pure cgroup v2 host).
    pub dir: String,
}

/// What PID 1 needs from the host when it is nest's own init.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostNest {
    /// The init executable on the host: the static `nest-init` next to nest's own
    /// executable, or nest's own executable (`nest init`).
    pub exe: PathBuf,
    /// Where it appears inside: [`HOST_INIT`] or [`HOST_NEST`].
    pub inside: &'static str,
    /// The shared libraries it needs (dynamic loader included), none when static:
    /// the container's root need not have them.
    pub libs: Vec<PathBuf>,
    /// The host state directory, shared with PID 1 at `/run/host/state`.
    pub state_dir: PathBuf,
}

/// Where the host's nest (or its static `nest-init`), its libraries and the state dir
/// appear inside.
pub const HOST_NEST: &str = "/run/host/nest";
pub const HOST_INIT: &str = "/run/host/nest-init";
pub const HOST_LIB: &str = "/run/host/lib";
pub const HOST_STATE: &str = "/run/host/state";

/// Everything the sequence needs, resolved on the host before the fork.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountConfig {
    /// The persistent root directory on the host.
    pub root: PathBuf,
    /// For ephemeral containers: a scratch directory on the host where a tmpfs holds
    /// the overlay's upper layer and the merged root.
    pub ephemeral_scratch: Option<PathBuf>,
    pub store: Option<PathBuf>,
    pub binds: Vec<Bind>,
    pub tmpfs: Vec<PathBuf>,
    /// A terminal to show as `/dev/console` (else `/dev/null` stands in).
    pub console: Option<PathBuf>,
    pub enable_tun: bool,
    /// Extra host device nodes to bind into `/dev` (from `allowedDevices`).
    pub devices: Vec<PathBuf>,
    pub private_network: bool,
    pub host_nest: Option<HostNest>,
    pub hostname: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Syscall(#[from] SyscallError),
    #[error("{0} is a symbolic link: mount points inside the container's root must not be, they could lead outside it")]
    Symlink(PathBuf),
}

/// Device nodes every container gets, made like the host's in `/dev`.
pub const BASIC_DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom", "tty"];
/// `/proc` entries hidden behind `/dev/null` (files) or an empty read-only tmpfs (dirs).
pub const PROC_MASKED_FILES: &[&str] = &[
    "kcore",
    "keys",
    "timer_list",
    "timer_stats",
    "sched_debug",
    "latency_stats",
    "kallsyms",
];
pub const PROC_MASKED_DIRS: &[&str] = &["acpi", "scsi", "asound"];
/// `/proc` entries made read-only.
pub const PROC_READ_ONLY: &[&str] = &["sys", "sysrq-trigger", "irq", "bus", "fs"];

const RO_REMOUNT: MsFlags = MsFlags::MS_BIND
    .union(MsFlags::MS_REMOUNT)
    .union(MsFlags::MS_RDONLY);

/// `p` (a path inside the container) on the host, below `root`. Every component
/// below `root` must not be a symlink: a root directory is not trusted, and following a
/// link while creating or mounting on a mount point could reach the host's files.
fn inside(sys: &mut dyn Syscall, root: &Path, p: &Path) -> Result<PathBuf, SetupError> {
    let rel = p.strip_prefix("/").unwrap_or(p);
    let mut at = root.to_path_buf();
    for c in rel.components() {
        at.push(c);
        if sys.is_symlink(&at) {
            return Err(SetupError::Symlink(at));
        }
    }
    Ok(at)
}

fn tmpfs(
    sys: &mut dyn Syscall,
    target: &Path,
    flags: MsFlags,
    data: &str,
) -> Result<(), SyscallError> {
    sys.mkdir_all(target, 0o755)?;
    sys.mount(
        Some(Path::new("tmpfs")),
        target,
        Some("tmpfs"),
        flags,
        Some(data),
    )
}

/// Makes an existing path read-only by binding it onto itself.
fn read_only_in_place(sys: &mut dyn Syscall, p: &Path) -> Result<(), SyscallError> {
    sys.mount(Some(p), p, None, MsFlags::MS_BIND | MsFlags::MS_REC, None)?;
    sys.mount(
        None,
        p,
        None,
        RO_REMOUNT | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None,
    )
}

/// Mounts the container's view of its cgroups on `cg_root` (normally
/// `/sys/fs/cgroup`, after pivot_root): every hierarchy again, read-only, rooted at the
/// caller's cgroup namespace, so only the container's own subtree is visible. On a
/// hybrid host they sit on a tmpfs that is made read-only too.
pub fn mount_cgroups(
    sys: &mut dyn Syscall,
    cgroups: &[CgroupMount],
    cg_root: &Path,
) -> Result<(), SetupError> {
    let nosuid_nodev_noexec = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    let cg_flags = nosuid_nodev_noexec | MsFlags::MS_RDONLY;
    let single_v2 = cgroups.len() == 1 && cgroups[0].dir.is_empty();
    if single_v2 {
        sys.mount(
            Some(Path::new("cgroup2")),
            cg_root,
            Some("cgroup2"),
            cg_flags,
            None,
        )?;
    } else if !cgroups.is_empty() {
        sys.mount(
            Some(Path::new("tmpfs")),
            cg_root,
            Some("tmpfs"),
            nosuid_nodev_noexec,
            Some("mode=755"),
        )?;
        for m in cgroups {
            let target = cg_root.join(&m.dir);
            sys.mkdir_all(&target, 0o755)?;
            match &m.kind {
                Kind::V1 { options } => {
                    let data = options.join(",");
                    sys.mount(
                        Some(Path::new("cgroup")),
                        &target,
                        Some("cgroup"),
                        cg_flags,
                        Some(&data),
                    )?
                }
                Kind::V2 => sys.mount(
                    Some(Path::new("cgroup2")),
                    &target,
                    Some("cgroup2"),
                    cg_flags,
                    None,
                )?,
            }
        }
        sys.mount(
            None,
            cg_root,
            None,
            MsFlags::MS_REMOUNT | cg_flags,
            Some("mode=755"),
        )?;
    }
    Ok(())
}

/// Runs the whole sequence except the cgroup mounts (see [`mount_cgroups`]). The
/// caller is already in its new mount, PID, UTS and IPC namespaces; on return the
/// process is in the container's root.
pub fn setup_mounts(sys: &mut dyn Syscall, c: &MountConfig) -> Result<(), SetupError> {
    let nosuid_nodev = MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
    let nosuid_nodev_noexec = nosuid_nodev | MsFlags::MS_NOEXEC;

    // Nothing mounted from here on may propagate back to the host.
    sys.mount(
        None,
        Path::new("/"),
        None,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None,
    )?;

    let root = match &c.ephemeral_scratch {
        Some(scratch) => {
            tmpfs(sys, scratch, nosuid_nodev, "mode=755")?;
            let (upper, work, merged) = (
                scratch.join("upper"),
                scratch.join("work"),
                scratch.join("root"),
            );
            for d in [&upper, &work, &merged] {
                sys.mkdir_all(d, 0o755)?;
            }
            let data = format!(
                "lowerdir={},upperdir={},workdir={}",
                c.root.display(),
                upper.display(),
                work.display()
            );
            sys.mount(
                Some(Path::new("overlay")),
                &merged,
                Some("overlay"),
                MsFlags::empty(),
                Some(&data),
            )?;
            merged
        }
        None => {
            // pivot_root needs the new root to be a mount point.
            sys.mount(
                Some(&c.root),
                &c.root,
                None,
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None,
            )?;
            c.root.clone()
        }
    };

    // /proc, with the host-wide knobs masked or read-only.
    let proc = inside(sys, &root, Path::new("/proc"))?;
    sys.mkdir_all(&proc, 0o555)?;
    sys.mount(
        Some(Path::new("proc")),
        &proc,
        Some("proc"),
        nosuid_nodev_noexec,
        None,
    )?;
    for entry in PROC_READ_ONLY {
        let p = proc.join(entry);
        if sys.exists(&p) {
            read_only_in_place(sys, &p)?;
        }
    }
    if c.private_network {
        // The container owns its network namespace: its net sysctls are its own.
        let net = proc.join("sys/net");
        if sys.exists(&net) {
            sys.mount(Some(&net), &net, None, MsFlags::MS_BIND, None)?;
            sys.mount(
                None,
                &net,
                None,
                MsFlags::MS_BIND | MsFlags::MS_REMOUNT | nosuid_nodev_noexec,
                None,
            )?;
        }
    }
    for entry in PROC_MASKED_FILES {
        let p = proc.join(entry);
        if sys.exists(&p) {
            sys.mount(
                Some(Path::new("/dev/null")),
                &p,
                None,
                MsFlags::MS_BIND,
                None,
            )?;
        }
    }
    for entry in PROC_MASKED_DIRS {
        let p = proc.join(entry);
        if sys.exists(&p) {
            sys.mount(
                Some(Path::new("tmpfs")),
                &p,
                Some("tmpfs"),
                nosuid_nodev_noexec | MsFlags::MS_RDONLY,
                Some("mode=555"),
            )?;
        }
    }

    // /sys read-only, and below it only the container's own cgroups, read-only too.
    let sysfs = inside(sys, &root, Path::new("/sys"))?;
    sys.mkdir_all(&sysfs, 0o555)?;
    sys.mount(
        Some(Path::new("sysfs")),
        &sysfs,
        Some("sysfs"),
        nosuid_nodev_noexec | MsFlags::MS_RDONLY,
        None,
    )?;

    // A minimal /dev.
    let dev = inside(sys, &root, Path::new("/dev"))?;
    tmpfs(
        sys,
        &dev,
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        "mode=755",
    )?;
    // Made like the host's nodes rather than bound from them: a node is one call where
    // a bind is three and one more mount for the namespace's teardown at exit to undo.
    for name in BASIC_DEVICES {
        sys.mknod_like(&Path::new("/dev").join(name), &dev.join(name))?;
    }
    let console_src = c
        .console
        .clone()
        .unwrap_or_else(|| PathBuf::from("/dev/null"));
    bind(
        sys,
        &console_src,
        &dev.join("console"),
        false,
        false,
        MsFlags::empty(),
    )?;
    let pts = dev.join("pts");
    sys.mkdir_all(&pts, 0o755)?;
    sys.mount(
        Some(Path::new("devpts")),
        &pts,
        Some("devpts"),
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        Some("newinstance,ptmxmode=0666,mode=620"),
    )?;
    sys.symlink(Path::new("pts/ptmx"), &dev.join("ptmx"))?;
    tmpfs(sys, &dev.join("shm"), nosuid_nodev, "mode=1777")?;
    for (link, target) in [
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ] {
        sys.symlink(Path::new(target), &dev.join(link))?;
    }
    if c.enable_tun {
        bind(
            sys,
            Path::new("/dev/net/tun"),
            &dev.join("net/tun"),
            false,
            false,
            MsFlags::empty(),
        )?;
    }
    for node in &c.devices {
        let target = inside(sys, &root, node)?;
        bind(sys, node, &target, false, false, MsFlags::empty())?;
    }

    let run = inside(sys, &root, Path::new("/run"))?;
    tmpfs(sys, &run, nosuid_nodev, "mode=755")?;
    let tmp = inside(sys, &root, Path::new("/tmp"))?;
    tmpfs(sys, &tmp, nosuid_nodev, "mode=1777")?;

    if let Some(store) = &c.store {
        let target = inside(sys, &root, store)?;
        bind(sys, store, &target, true, true, nosuid_nodev)?;
    }
    for b in &c.binds {
        let target = inside(sys, &root, &b.target)?;
        bind(
            sys,
            &b.source,
            &target,
            b.is_dir,
            b.read_only,
            MsFlags::empty(),
        )?;
    }
    for t in &c.tmpfs {
        let target = inside(sys, &root, t)?;
        tmpfs(sys, &target, nosuid_nodev, "mode=755")?;
    }

    if let Some(h) = &c.host_nest {
        let exe = inside(sys, &root, Path::new(h.inside))?;
        bind(sys, &h.exe, &exe, false, true, MsFlags::MS_NODEV)?;
        let lib = inside(sys, &root, Path::new(HOST_LIB))?;
        for l in &h.libs {
            if let Some(file) = l.file_name() {
                bind(sys, l, &lib.join(file), false, true, MsFlags::MS_NODEV)?;
            }
        }
        let state = inside(sys, &root, Path::new(HOST_STATE))?;
        bind(sys, &h.state_dir, &state, true, false, nosuid_nodev)?;
    }

    // Stack the new root on the old one and detach the old: no put_old directory is
    // needed inside the container.
    sys.chdir(&root)?;
    sys.pivot_root(Path::new("."), Path::new("."))?;
    sys.umount_detach(Path::new("."))?;
    sys.chdir(Path::new("/"))?;
    sys.sethostname(&c.hostname)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nest_sys::fake::{Call, Recording};

    fn config() -> MountConfig {
        MountConfig {
            root: "/r".into(),
            ephemeral_scratch: None,
            store: Some("/nest/store".into()),
            binds: vec![Bind {
                source: "/srv".into(),
                target: "/data".into(),
                read_only: false,
                is_dir: true,
            }],
            tmpfs: vec!["/var/cache".into()],
            console: None,
            enable_tun: false,
            devices: vec![],
            private_network: false,
            host_nest: None,
            hostname: "c1".into(),
        }
    }

    fn position(rec: &Recording, pred: impl Fn(&Call) -> bool) -> usize {
        rec.calls.iter().position(pred).unwrap_or(usize::MAX)
    }

    #[test]
    fn propagation_private_first_then_pivot_and_hostname_last() {
        let mut rec = Recording::default();
        setup_mounts(&mut rec, &config()).expect("setup");
        assert_eq!(
            rec.calls[0],
            Call::Mount {
                source: None,
                target: "/".into(),
                fstype: None,
                flags: MsFlags::MS_REC | MsFlags::MS_PRIVATE,
                data: None
            }
        );
        let n = rec.calls.len();
        assert_eq!(
            &rec.calls[n - 5..],
            &[
                Call::Chdir("/r".into()),
                Call::PivotRoot {
                    new_root: ".".into(),
                    put_old: ".".into()
                },
                Call::UmountDetach(".".into()),
                Call::Chdir("/".into()),
                Call::SetHostname("c1".into()),
            ]
        );
    }

    #[test]
    fn store_is_bound_then_remounted_read_only() {
        let mut rec = Recording::default();
        setup_mounts(&mut rec, &config()).expect("setup");
        let target = PathBuf::from("/r/nest/store");
        let m = rec.mounts();
        let binds: Vec<_> = m.iter().filter(|(t, _, _)| *t == target).collect();
        assert_eq!(binds.len(), 2, "{binds:?}");
        assert!(binds[0].2.contains(MsFlags::MS_BIND) && !binds[0].2.contains(MsFlags::MS_RDONLY));
        assert!(binds[1].2.contains(
            MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | MsFlags::MS_BIND | MsFlags::MS_NOSUID
        ));
        // The store bind comes after /run and /tmp so they cannot hide it.
        let tmp = position(
            &rec,
            |c| matches!(c, Call::Mount { target, .. } if target == Path::new("/r/tmp")),
        );
        let store = position(
            &rec,
            |c| matches!(c, Call::Mount { target: t, .. } if *t == target),
        );
        assert!(tmp < store);
    }

    #[test]
    fn cgroups_mounted_read_only_under_a_read_only_tmpfs() {
        let mut rec = Recording::default();
        setup_mounts(&mut rec, &config()).expect("setup");
        let hybrid = [
            CgroupMount {
                kind: Kind::V1 {
                    options: vec!["memory".into()],
                },
                dir: "memory".into(),
            },
            CgroupMount {
                kind: Kind::V2,
                dir: "unified".into(),
            },
        ];
        mount_cgroups(&mut rec, &hybrid, Path::new("/r/sys/fs/cgroup")).expect("cgroups");
        let m = rec.mounts();
        let mem = m
            .iter()
            .find(|(t, _, _)| t == Path::new("/r/sys/fs/cgroup/memory"))
            .expect("memory mounted");
        assert_eq!(mem.1.as_deref(), Some("cgroup"));
        assert!(mem.2.contains(MsFlags::MS_RDONLY));
        let uni = m
            .iter()
            .find(|(t, _, _)| t == Path::new("/r/sys/fs/cgroup/unified"))
            .expect("unified");
        assert_eq!(uni.1.as_deref(), Some("cgroup2"));
        assert!(uni.2.contains(MsFlags::MS_RDONLY));
        let last_cg = m
            .iter()
            .rfind(|(t, _, _)| t == Path::new("/r/sys/fs/cgroup"))
            .expect("tmpfs remount");
        assert!(last_cg.2.contains(MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY));
        let sysfs = m
            .iter()
            .find(|(t, _, _)| t == Path::new("/r/sys"))
            .expect("sysfs");
        assert!(sysfs.2.contains(MsFlags::MS_RDONLY));
    }

    #[test]
    fn pure_v2_mounts_cgroup2_directly() {
        let mut rec = Recording::default();
        mount_cgroups(
            &mut rec,
            &[CgroupMount {
                kind: Kind::V2,
                dir: String::new(),
            }],
            Path::new("/r/sys/fs/cgroup"),
        )
        .expect("cgroups");
        let m = rec.mounts();
        let cg: Vec<_> = m
            .iter()
            .filter(|(t, _, _)| t == Path::new("/r/sys/fs/cgroup"))
            .collect();
        assert_eq!(cg.len(), 1);
        assert_eq!(cg[0].1.as_deref(), Some("cgroup2"));
    }

    #[test]
    fn proc_masks_only_existing_entries() {
        let mut rec = Recording::default();
        rec.existing.insert("/r/proc/kcore".into());
        rec.existing.insert("/r/proc/sys".into());
        rec.existing.insert("/r/proc/acpi".into());
        setup_mounts(&mut rec, &config()).expect("setup");
        assert!(rec.calls.contains(&Call::Mount {
            source: Some("/dev/null".into()),
            target: "/r/proc/kcore".into(),
            fstype: None,
            flags: MsFlags::MS_BIND,
            data: None
        }));
        let m = rec.mounts();
        assert!(
            !m.iter().any(|(t, _, _)| t == Path::new("/r/proc/keys")),
            "absent entries are skipped"
        );
        let sys_ro = m
            .iter()
            .rfind(|(t, _, _)| t == Path::new("/r/proc/sys"))
            .expect("proc/sys");
        assert!(sys_ro.2.contains(MsFlags::MS_RDONLY | MsFlags::MS_REMOUNT));
        assert!(m.iter().any(|(t, f, fl)| t == Path::new("/r/proc/acpi")
            && f.as_deref() == Some("tmpfs")
            && fl.contains(MsFlags::MS_RDONLY)));
    }

    #[test]
    fn private_network_keeps_proc_sys_net_writable() {
        let mut c = config();
        c.private_network = true;
        let mut rec = Recording::default();
        rec.existing.insert("/r/proc/sys".into());
        rec.existing.insert("/r/proc/sys/net".into());
        setup_mounts(&mut rec, &c).expect("setup");
        let m = rec.mounts();
        let net = m
            .iter()
            .rfind(|(t, _, _)| t == Path::new("/r/proc/sys/net"))
            .expect("net remount");
        assert!(net.2.contains(MsFlags::MS_REMOUNT) && !net.2.contains(MsFlags::MS_RDONLY));
    }

    #[test]
    fn dev_has_the_minimal_set() {
        let mut c = config();
        c.enable_tun = true;
        let mut rec = Recording::default();
        setup_mounts(&mut rec, &c).expect("setup");
        for d in BASIC_DEVICES {
            assert!(
                rec.calls.contains(&Call::MknodLike {
                    like: PathBuf::from("/dev").join(d),
                    path: PathBuf::from("/r/dev").join(d)
                }),
                "{d}"
            );
        }
        // The console (a terminal or /dev/null) and the tun device are bound.
        for d in ["console", "net/tun"] {
            let target = PathBuf::from("/r/dev").join(d);
            assert!(rec.calls.contains(&Call::Touch(target.clone())), "{d}");
            assert!(
                rec.mounts()
                    .iter()
                    .any(|(t, _, f)| *t == target && f.contains(MsFlags::MS_BIND)),
                "{d}"
            );
        }
        assert!(rec.calls.contains(&Call::Symlink {
            target: "pts/ptmx".into(),
            link: "/r/dev/ptmx".into()
        }));
        assert!(rec
            .mounts()
            .iter()
            .any(|(t, f, _)| t == Path::new("/r/dev/pts") && f.as_deref() == Some("devpts")));
    }

    #[test]
    fn ephemeral_root_is_an_overlay_on_tmpfs() {
        let mut c = config();
        c.ephemeral_scratch = Some("/s/eph".into());
        let mut rec = Recording::default();
        setup_mounts(&mut rec, &c).expect("setup");
        let ov = rec.calls.iter().find_map(|call| match call {
            Call::Mount {
                target,
                fstype: Some(f),
                data,
                ..
            } if f == "overlay" => Some((target.clone(), data.clone())),
            _ => None,
        });
        assert_eq!(
            ov,
            Some((
                "/s/eph/root".into(),
                Some("lowerdir=/r,upperdir=/s/eph/upper,workdir=/s/eph/work".into())
            ))
        );
        assert!(rec.calls.contains(&Call::Chdir("/s/eph/root".into())));
    }

    #[test]
    fn boot_exposes_host_nest_read_only_and_state_read_write() {
        let mut c = config();
        c.host_nest = Some(HostNest {
            exe: "/usr/bin/nest".into(),
            inside: HOST_NEST,
            libs: vec!["/lib/libc.so.6".into()],
            state_dir: "/run/nest/containers/c1".into(),
        });
        let mut rec = Recording::default();
        setup_mounts(&mut rec, &c).expect("setup");
        let m = rec.mounts();
        let exe = m
            .iter()
            .rfind(|(t, _, _)| t == Path::new("/r/run/host/nest"))
            .expect("exe");
        assert!(exe.2.contains(MsFlags::MS_RDONLY));
        assert!(m
            .iter()
            .any(|(t, _, fl)| t == Path::new("/r/run/host/lib/libc.so.6")
                && fl.contains(MsFlags::MS_RDONLY)));
        let state = m
            .iter()
            .rfind(|(t, _, _)| t == Path::new("/r/run/host/state"))
            .expect("state");
        assert!(!state.2.contains(MsFlags::MS_RDONLY));
    }

    #[test]
    fn a_static_init_needs_no_host_libraries() {
        let mut c = config();
        c.host_nest = Some(HostNest {
            exe: "/usr/bin/nest-init".into(),
            inside: HOST_INIT,
            libs: vec![],
            state_dir: "/run/nest/containers/c1".into(),
        });
        let mut rec = Recording::default();
        setup_mounts(&mut rec, &c).expect("setup");
        let m = rec.mounts();
        let exe = m
            .iter()
            .rfind(|(t, _, _)| t == Path::new("/r/run/host/nest-init"))
            .expect("nest-init");
        assert!(exe.2.contains(MsFlags::MS_RDONLY));
        assert!(
            !m.iter()
                .any(|(t, _, _)| t.starts_with("/r/run/host/lib")
                    || t == Path::new("/r/run/host/nest")),
            "{m:?}"
        );
    }

    #[test]
    fn symlinked_mount_points_are_refused() {
        let mut rec = Recording::default();
        rec.symlinks.insert("/r/nest".into());
        let e = setup_mounts(&mut rec, &config()).expect_err("symlink");
        assert!(
            matches!(&e, SetupError::Symlink(p) if p == Path::new("/r/nest")),
            "{e}"
        );
        assert!(
            !rec.mounts()
                .iter()
                .any(|(t, _, _)| t.starts_with("/r/nest")),
            "nothing mounted through the link"
        );
    }

    #[test]
    fn a_failing_call_stops_the_sequence() {
        let mut rec = Recording {
            fail_at: Some(3),
            ..Recording::default()
        };
        assert!(setup_mounts(&mut rec, &config()).is_err());
        assert_eq!(rec.calls.len(), 4);
    }
}
