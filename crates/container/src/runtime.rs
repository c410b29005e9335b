//! Starting a container in the foreground: resolve the spec on the host, make its
//! cgroups, fork its first process into new namespaces, wire its network while it
//! waits, let it set up its mounts and exec PID 1, then forward signals and wait.
//!
//! The host side and the container side talk over two pipes: `err` (child → host: a
//! setup error, or EOF once the container's command has been exec'd, since the pipe is
//! close-on-exec) and, with a private network, `go` (host → child: the network is
//! ready). The child moves itself into its cgroups (faster than being moved, see
//! [`nest_sys::cgroup::join_self`]), so without a network it never waits for the host.

use crate::cgroups::{self, Cgroups, CgroupsError};
use crate::forward::{self, ForwardError};
use crate::init_binary::InitBinary;
use crate::network::{self, NetPlan};
use crate::setup::{self, Bind, CgroupMount, HostNest, MountConfig};
use crate::spec::{Spec, SpecError};
use crate::state::{Lock, State, StateError, STATE_VERSION};
use nest_sys::caps::{self, CapSet};
use nest_sys::cgroup::{Kind, Layout};
use nest_sys::netlink::NetlinkError;
use nest_sys::process::{self, Forked};
use nest_sys::{CloneFlags, Errno};
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::collections::BTreeMap;
use std::ffi::CString;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("container {name}")]
    Cgroups { name: String, source: CgroupsError },
    #[error("container {name}: network")]
    Network { name: String, source: NetlinkError },
    #[error("container {name}")]
    Forward { name: String, source: ForwardError },
    #[error("container {name}")]
    Seccomp {
        name: String,
        source: nest_sys::seccomp::SeccompError,
    },
    #[error("{op} {path}")]
    Io {
        op: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{op}: {errno}")]
    Sys { op: &'static str, errno: Errno },
    #[error("container {name}: {message}")]
    Setup { name: String, message: String },
    #[error("reading the cgroup layout")]
    Layout(#[from] nest_sys::cgroup::CgroupError),
}

/// How a container's PID 1 (or an exec'd command) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Code(i32),
    Signal(i32),
}

impl ExitStatus {
    /// The shell's convention: the code, or 128 + the signal number.
    pub fn code(self) -> i32 {
        match self {
            ExitStatus::Code(c) => c,
            ExitStatus::Signal(s) => 128 + s,
        }
    }
}

/// systemd-nspawn's default bounding set without `CAP_SYS_BOOT` and `CAP_SYS_ADMIN`:
/// without `CAP_SYS_ADMIN` nothing inside can remount the read-only store (or
/// anything else) writable, unmount the masks over /proc, or mount a fresh cgroupfs.
/// `CAP_NET_ADMIN` is added with a private network, `CAP_MKNOD` only where a device
/// filter (v1 `devices` controller or the v2 BPF program) limits which nodes can be used.
pub fn default_capabilities(private_network: bool, devices_controller: bool) -> CapSet {
    let names = [
        "CAP_AUDIT_CONTROL",
        "CAP_AUDIT_WRITE",
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_IPC_OWNER",
        "CAP_KILL",
        "CAP_LEASE",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_RAW",
        "CAP_SETFCAP",
        "CAP_SETGID",
        "CAP_SETPCAP",
        "CAP_SETUID",
        "CAP_SYS_CHROOT",
        "CAP_SYS_NICE",
        "CAP_SYS_PTRACE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TTY_CONFIG",
    ];
    let mut set = CapSet::default();
    for n in names {
        if let Some(c) = caps::from_name(n) {
            set = set.with(c);
        }
    }
    let extra = [
        (private_network, "CAP_NET_ADMIN"),
        (devices_controller, "CAP_MKNOD"),
    ];
    for (on, n) in extra {
        if let Some(c) = caps::from_name(n).filter(|_| on) {
            set = set.with(c);
        }
    }
    set
}

pub const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/run/current-system/sw/bin";

/// mimalloc settings for nest's long-lived processes (PID 1 `nest init`, the host's
/// daemon and monitors). mimalloc is the binary's allocator for the evaluator's sake;
/// by default it commits arenas eagerly and returns freed memory late, which measured
/// 4.7 MiB anonymous memory in an init with ten services instead of 1.1 MiB (and 27 vs
/// 1.7 MiB in a daemon with 200 containers). mimalloc reads them before `main`, so
/// they go into the environment of the exec. init starts services with an
/// environment of their own, so they do not see these.
pub const LEAN_ALLOCATOR: &[(&str, &str)] = &[
    ("MIMALLOC_ARENA_EAGER_COMMIT", "0"),
    ("MIMALLOC_PURGE_DELAY", "0"),
];

/// PID 1's environment: a default `PATH`, `container=nest`, the host's `TERM`, then
/// the spec's variables.
pub fn environment(spec_env: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    env.insert("PATH".to_string(), DEFAULT_PATH.to_string());
    env.insert("container".to_string(), "nest".to_string());
    env.insert("HOME".to_string(), "/root".to_string());
    if let Ok(term) = std::env::var("TERM") {
        env.insert("TERM".to_string(), term);
    }
    env.extend(spec_env.iter().map(|(k, v)| (k.clone(), v.clone())));
    env
}

pub(crate) fn env_cstrings(env: &BTreeMap<String, String>) -> Vec<CString> {
    env.iter()
        .filter_map(|(k, v)| CString::new(format!("{k}={v}")).ok())
        .collect()
}

/// The signals the host side forwards to PID 1 (and PID 1 to its command).
pub(crate) fn forwarded_signals() -> SigSet {
    let mut s = SigSet::empty();
    for sig in [
        Signal::SIGCHLD,
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGHUP,
        Signal::SIGQUIT,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
    ] {
        s.add(sig);
    }
    s
}

/// Finds a command in `PATH` (inside the container, after pivot_root).
pub(crate) fn resolve_command(cmd: &str, path: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    if cmd.contains('/') {
        return Some(PathBuf::from(cmd));
    }
    path.split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(cmd))
        .find(|p| {
            std::fs::metadata(p)
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        })
}

/// Limits privileges for what is about to be exec'd inside: no_new_privs, seccomp,
/// the bounding set and this process's own sets. Seccomp goes in while
/// `CAP_SYS_ADMIN` is still held, so it works without no_new_privs.
pub(crate) fn confine(
    keep: CapSet,
    no_new_privs: bool,
    seccomp: Option<&nest_sys::seccomp::Program>,
) -> Result<(), String> {
    if no_new_privs {
        caps::set_no_new_privs().map_err(|e| format!("setting no_new_privs: {e}"))?;
    }
    if let Some(p) = seccomp {
        nest_sys::seccomp::install(p).map_err(|e| e.to_string())?;
    }
    caps::drop_bounding_except(keep)
        .map_err(|e| format!("dropping capabilities from the bounding set: {e}"))?;
    caps::limit_own(keep).map_err(|e| format!("limiting capabilities: {e}"))?;
    Ok(())
}

/// `argv[0]` resolved in `env`'s `PATH`, and `argv` as C strings.
fn prepare_command(
    argv: &[String],
    env: &BTreeMap<String, String>,
) -> Result<(PathBuf, Vec<CString>), String> {
    let Some(first) = argv.first() else {
        return Err("empty command".to_string());
    };
    let path = env.get("PATH").map(String::as_str).unwrap_or(DEFAULT_PATH);
    let Some(resolved) = resolve_command(first, path) else {
        return Err(format!("command {first:?} not found in PATH {path}"));
    };
    let cargv = argv
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "command argument contains a NUL byte".to_string())?;
    Ok((resolved, cargv))
}

/// Runs `argv` with `env`: resolves it in `PATH`, resets signals, execs. Only returns
/// an error message.
pub(crate) fn exec_command(argv: &[String], env: &BTreeMap<String, String>) -> String {
    let (resolved, cargv) = match prepare_command(argv, env) {
        Ok(c) => c,
        Err(m) => return m,
    };
    process::reset_signal_dispositions();
    let _ = process::set_sigmask(SigmaskHow::SIG_SETMASK, &SigSet::empty());
    let errno = process::exec(&resolved, &cargv, &env_cstrings(env));
    format!("executing {}: {errno}", resolved.display())
}

/// Waits for `pid` while forwarding signals to it; signals must be blocked.
pub(crate) fn wait_forwarding(pid: Pid, signals: &SigSet) -> ExitStatus {
    loop {
        let sig = match signals.wait() {
            Ok(s) => s,
            Err(_) => continue,
        };
        if sig != Signal::SIGCHLD {
            let _ = nix::sys::signal::kill(pid, sig);
            continue;
        }
        loop {
            match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(_, c)) => return ExitStatus::Code(c),
                Ok(WaitStatus::Signaled(_, s, _)) => return ExitStatus::Signal(s as i32),
                Ok(WaitStatus::StillAlive) => break,
                Ok(_) => continue,
                Err(Errno::EINTR) => continue,
                Err(_) => return ExitStatus::Code(255),
            }
        }
    }
}

/// How PID 1 is started inside.
#[derive(Debug, Clone)]
enum Pid1 {
    /// The static `nest-init`, or `nest init` from the host (directly when `nest` is
    /// static, else through the host's dynamic loader; then with mimalloc's lean settings).
    Boot {
        argv: Vec<String>,
        lean_allocator: bool,
    },
    /// A reaper (this process image) that runs the command and exits with its status.
    Reaper { argv: Vec<String> },
}

struct ChildPlan {
    mounts: MountConfig,
    cgroups: Vec<CgroupMount>,
    keep: CapSet,
    no_new_privs: bool,
    seccomp: Option<nest_sys::seccomp::Program>,
    pid1: Pid1,
    env: BTreeMap<String, String>,
    /// The content for `/etc/resolv.conf` inside, read on the host.
    resolv_conf: Option<Vec<u8>>,
}

/// The host's resolver configuration as a container should see it (see
/// [`crate::spec::ResolvConf`]); `None` when the host has none.
pub fn host_resolv_conf(private_network: bool) -> Option<Vec<u8>> {
    let host = std::fs::read("/etc/resolv.conf").ok()?;
    let local_stub = String::from_utf8_lossy(&host).lines().any(|l| {
        let mut w = l.split_whitespace();
        w.next() == Some("nameserver")
            && w.next()
                .is_some_and(|a| a.starts_with("127.") || a == "::1")
    });
    if private_network && local_stub {
        if let Ok(upstream) = std::fs::read("/run/systemd/resolve/resolv.conf") {
            return Some(upstream);
        }
    }
    Some(host)
}

/// Writes `/etc/resolv.conf` inside (after pivot_root, so every path is the
/// container's own); a symlink there is the root's choice and stays.
fn write_resolv_conf(content: &[u8]) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt;
    let etc = Path::new("/etc");
    if !etc.exists() {
        std::fs::create_dir(etc).map_err(|e| format!("creating /etc: {e}"))?;
    }
    let path = etc.join("resolv.conf");
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_symlink() => return Ok(()),
        // A persistent root keeps the file from its last start: truncating and
        // rewriting it on every start costs a journal transaction and, on ext4, a
        // writeback of the replaced data at close (measured on the start path).
        Ok(m)
            if m.is_file()
                && m.len() == content.len() as u64
                && std::fs::read(&path).is_ok_and(|old| old == content) =>
        {
            return Ok(())
        }
        _ => {}
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| format!("writing /etc/resolv.conf: {e}"))?;
    f.write_all(content)
        .map_err(|e| format!("writing /etc/resolv.conf: {e}"))
}

/// The shared libraries this process was loaded with (from `/proc/self/maps`).
fn loaded_libraries() -> Vec<PathBuf> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    let mut libs: Vec<PathBuf> = Vec::new();
    for line in maps.lines() {
        let Some(p) = line.split_whitespace().nth(5) else {
            continue;
        };
        let name = Path::new(p)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if p.starts_with('/')
            && (name.contains(".so.") || name.ends_with(".so"))
            && !libs.iter().any(|l| l == Path::new(p))
        {
            libs.push(PathBuf::from(p));
        }
    }
    libs
}

fn io_err<'a>(
    op: &'static str,
    path: &'a Path,
) -> impl FnOnce(std::io::Error) -> RuntimeError + 'a {
    move |source| RuntimeError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// Kills the first process (and so the whole PID namespace) unless disarmed.
struct ChildGuard(Option<Pid>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(pid) = self.0.take() {
            let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
            let _ = waitpid(pid, None);
        }
    }
}

/// Removes the cgroups and state file when the container is gone (or failed).
struct Cleanup<'a> {
    cgroups: Option<Cgroups>,
    state_dir: &'a Path,
    scratch: Option<PathBuf>,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        State::remove(self.state_dir);
        if let Some(c) = self.cgroups.take() {
            let _ = c.remove();
        }
        if let Some(s) = &self.scratch {
            let _ = std::fs::remove_dir_all(s);
        }
    }
}

/// Restores the signal mask on every way out.
struct MaskGuard(SigSet);

impl Drop for MaskGuard {
    fn drop(&mut self) {
        let _ = process::set_sigmask(SigmaskHow::SIG_SETMASK, &self.0);
    }
}

/// Runs a container in the foreground until its PID 1 exits.
///
/// `nest_exe` is the host's nest executable, needed with `spec.init` (boot).
pub fn run(spec: &Spec, nest_exe: Option<&Path>) -> Result<ExitStatus, RuntimeError> {
    spec.validate()?;
    let name = spec.name.to_string();
    let root = spec.root_dir();
    let state_dir = spec.state_dir();
    std::fs::create_dir_all(&root).map_err(io_err("creating root directory", &root))?;
    std::fs::create_dir_all(&state_dir).map_err(io_err("creating state directory", &state_dir))?;
    let _lock = Lock::acquire(&name, &state_dir)?;

    let layout = Layout::detect()?;
    let binds = spec
        .bind_mounts
        .iter()
        .map(|b| {
            let md =
                std::fs::metadata(b.source()).map_err(io_err("bind mount source", b.source()))?;
            Ok(Bind {
                source: b.source().to_path_buf(),
                target: b.mount_point.clone(),
                read_only: b.is_read_only,
                is_dir: md.is_dir(),
            })
        })
        .collect::<Result<Vec<_>, RuntimeError>>()?;
    if let Some(store) = &spec.store_dir {
        std::fs::metadata(store).map_err(io_err("store directory", store))?;
    }
    let console = {
        use std::io::IsTerminal;
        if std::io::stdin().is_terminal() {
            std::fs::read_link("/proc/self/fd/0").ok()
        } else {
            None
        }
    };

    let mut devices = cgroups::base_device_rules(spec.enable_tun);
    let mut device_nodes = Vec::new();
    for d in &spec.allowed_devices {
        let rule = cgroups::rule_for_node(&d.node, &d.modifier)
            .map_err(io_err("allowed device", &d.node))?;
        devices.push(rule);
        if !(spec.enable_tun && d.node == Path::new("/dev/net/tun")) {
            device_nodes.push(d.node.clone());
        }
    }
    if let Some(c) = &console {
        if let Ok(rule) = cgroups::rule_for_node(c, "rw") {
            devices.push(rule);
        }
    }
    // Either the v1 devices controller or the v2 BPF filter (whose failure to attach
    // fails the start on a pure v2 host) enforces the device list.
    let devices_controller = layout.v1("devices").is_some()
        || layout
            .hierarchies
            .iter()
            .any(|h| h.kind == nest_sys::cgroup::Kind::V2);
    let mut keep = default_capabilities(spec.private_network, devices_controller);
    for c in spec.additional_caps()? {
        keep = keep.with(c);
    }

    let cgroup_mounts: Vec<CgroupMount> = layout
        .hierarchies
        .iter()
        .map(|h| CgroupMount {
            kind: h.kind.clone(),
            dir: if layout.is_pure_v2() {
                String::new()
            } else {
                h.mountpoint
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default()
            },
        })
        .filter(|m| !m.dir.is_empty() || matches!(m.kind, Kind::V2))
        .collect();

    let env = environment(&spec.environment);
    let pid1 = match &spec.init {
        Some(system) => {
            let nest = match nest_exe {
                Some(p) => p.to_path_buf(),
                None => std::env::current_exe().map_err(io_err(
                    "finding nest's executable",
                    Path::new("/proc/self/exe"),
                ))?,
            };
            let init = InitBinary::choose(&nest);
            if let Some(w) = init.warning() {
                let _ = writeln!(std::io::stderr(), "nest: container {name}: {w}");
            }
            let (exe, inside, libs, mut argv) = match init {
                InitBinary::Static(exe) => (
                    exe,
                    setup::HOST_INIT,
                    Vec::new(),
                    vec![setup::HOST_INIT.to_string()],
                ),
                InitBinary::Nest { exe, .. } => {
                    let libs = loaded_libraries();
                    let loader = libs.iter().find(|l| {
                        l.file_name()
                            .is_some_and(|f| f.to_string_lossy().starts_with("ld-"))
                    });
                    let mut argv = Vec::new();
                    if let Some(ld) = loader.and_then(|l| l.file_name()) {
                        argv.push(format!("{}/{}", setup::HOST_LIB, ld.to_string_lossy()));
                        argv.push("--library-path".to_string());
                        argv.push(setup::HOST_LIB.to_string());
                    }
                    argv.extend([setup::HOST_NEST.to_string(), "init".to_string()]);
                    (exe, setup::HOST_NEST, libs, argv)
                }
            };
            argv.extend([
                "--system".into(),
                system.display().to_string(),
                "--state-dir".into(),
                setup::HOST_STATE.into(),
            ]);
            let lean_allocator = inside == setup::HOST_NEST;
            (
                Pid1::Boot {
                    argv,
                    lean_allocator,
                },
                Some(HostNest {
                    exe,
                    inside,
                    libs,
                    state_dir: state_dir.clone(),
                }),
            )
        }
        None => (
            Pid1::Reaper {
                argv: spec.command.clone(),
            },
            None,
        ),
    };
    let (pid1, host_nest) = pid1;
    let scratch = spec.ephemeral.then(|| state_dir.join("ephemeral"));
    let mounts = MountConfig {
        root: root.clone(),
        ephemeral_scratch: scratch.clone(),
        store: spec.store_dir.clone(),
        binds,
        tmpfs: spec.tmpfs.clone(),
        console,
        enable_tun: spec.enable_tun,
        devices: device_nodes,
        private_network: spec.private_network,
        host_nest,
        hostname: spec.name.hostname(),
    };
    let seccomp = match spec.seccomp {
        true => Some(
            nest_sys::seccomp::build().map_err(|source| RuntimeError::Seccomp {
                name: name.clone(),
                source,
            })?,
        ),
        false => None,
    };
    let plan = ChildPlan {
        mounts,
        cgroups: cgroup_mounts,
        keep,
        no_new_privs: spec.no_new_privileges,
        seccomp,
        pid1,
        env: env.clone(),
        resolv_conf: match spec.resolv_conf {
            crate::spec::ResolvConf::CopyHost => host_resolv_conf(spec.private_network),
            crate::spec::ResolvConf::Off => None,
        },
    };

    let net = NetPlan::from_spec(spec);
    let listeners = match (&net, spec.local_address.or(spec.local_address6)) {
        (Some(_), Some(target)) if !spec.forward_ports.is_empty() => {
            forward::bind(&spec.forward_ports, target.addr).map_err(|source| {
                RuntimeError::Forward {
                    name: name.clone(),
                    source,
                }
            })?
        }
        _ => Vec::new(),
    };

    let cg = Cgroups::create(&layout, &name, &spec.limits, &devices).map_err(|source| {
        RuntimeError::Cgroups {
            name: name.clone(),
            source,
        }
    })?;
    let mut cleanup = Cleanup {
        cgroups: Some(cg),
        state_dir: &state_dir,
        scratch,
    };

    let signals = forwarded_signals();
    let old_mask = process::set_sigmask(SigmaskHow::SIG_BLOCK, &signals).map_err(|errno| {
        RuntimeError::Sys {
            op: "blocking signals",
            errno,
        }
    })?;
    let _mask = MaskGuard(old_mask);
    // The child waits for the host side only when the host has something to do
    // before PID 1 starts: the network, or (booting a system) publishing the state
    // file, so that it exists before any service runs.
    let boot = spec.init.is_some();
    let go = match net.is_some() || boot {
        true => Some(
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
                .map_err(|errno| RuntimeError::Sys { op: "pipe", errno })?,
        ),
        false => None,
    };
    let (err_r, err_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|errno| RuntimeError::Sys { op: "pipe", errno })?;

    let mut flags = CloneFlags::CLONE_NEWNS
        | CloneFlags::CLONE_NEWPID
        | CloneFlags::CLONE_NEWUTS
        | CloneFlags::CLONE_NEWIPC;
    if spec.private_network {
        flags |= CloneFlags::CLONE_NEWNET;
    }
    // Born in its v2 cgroup when the kernel can; it moves itself into the others.
    let v2_fd = cleanup
        .cgroups
        .as_ref()
        .and_then(|c| c.v2_dir())
        .and_then(|d| std::fs::File::open(d).ok());
    let joins = match &cleanup.cgroups {
        Some(c) => c.join_files().map_err(|source| RuntimeError::Cgroups {
            name: name.clone(),
            source,
        })?,
        None => Vec::new(),
    };
    let forked = match &v2_fd {
        Some(fd) => match process::fork_into_cgroup(flags, std::os::fd::AsFd::as_fd(fd)) {
            Ok(f) => Ok((f, true)),
            Err(Errno::ENOSYS | Errno::E2BIG | Errno::EINVAL | Errno::EOPNOTSUPP) => {
                process::fork_into(flags).map(|f| (f, false))
            }
            Err(e) => Err(e),
        },
        None => process::fork_into(flags).map(|f| (f, false)),
    };
    let (forked, born_in_v2) = forked.map_err(|errno| RuntimeError::Sys { op: "clone", errno })?;
    drop(v2_fd);
    let pid = match forked {
        Forked::Child => {
            let (go_r, go_w) = go.unzip();
            drop(go_w);
            drop(err_r);
            // Dropping the lock would unlock the shared open file for the host side
            // too. The child keeps its copy of the descriptor instead: PID 1 holding
            // it keeps the name taken even if the host side dies (exec closes it).
            std::mem::forget(_lock);
            child_main(&plan, &joins, born_in_v2, go_r, err_w)
        }
        Forked::Parent(pid) => pid,
    };
    drop(joins);
    let go_w = go.map(|(r, w)| {
        drop(r);
        w
    });
    drop(err_w);
    let mut guard = ChildGuard(Some(pid));

    let mut go_w = go_w.map(std::fs::File::from);
    let mut went = Ok(());
    if let (Some(net), Some(go)) = (&net, go_w.as_mut()) {
        network::setup(net, pid.as_raw()).map_err(|source| RuntimeError::Network {
            name: name.clone(),
            source,
        })?;
        // If the child already failed, this write fails (EPIPE) and its message explains.
        went = go.write_all(b"g");
    }
    // Written while the child sets itself up, published (one rename) once it runs:
    // the file, its write and the close are off the start's critical path.
    let state = State {
        version: STATE_VERSION,
        name: name.clone(),
        pid: pid.as_raw(),
        start_time: process::start_time(pid.as_raw()).unwrap_or(0),
        cgroups: cleanup
            .cgroups
            .as_ref()
            .map(|c| c.dirs.clone())
            .unwrap_or_default(),
        host_veth: net.as_ref().map(|n| n.host_if.clone()),
        environment: env,
        capabilities: keep.0,
        no_new_privileges: spec.no_new_privileges,
        seccomp: spec.seccomp,
    };
    let mut prepared = Some(state.prepare(&state_dir)?);
    let mut err_r = std::fs::File::from(err_r);
    let mut message = String::new();
    if let (true, Some(go)) = (boot, go_w.as_mut()) {
        // A NUL byte: set up and about to exec PID 1 (anything else is an error
        // message, read in full below).
        let mut first = [0u8; 1];
        if matches!(err_r.read(&mut first), Ok(1)) {
            if first[0] == 0 {
                if let Some(p) = prepared.take() {
                    p.publish()?;
                }
                went = went.and(go.write_all(b"g"));
            } else {
                message.push(char::from(first[0]));
            }
        }
    }
    let mut rest = Vec::new();
    let _ = err_r.read_to_end(&mut rest);
    message.push_str(&String::from_utf8_lossy(&rest));
    if !message.is_empty() {
        return Err(RuntimeError::Setup { name, message });
    }
    went.map_err(io_err("starting the container", &state_dir))?;

    if let Some(p) = prepared.take() {
        p.publish()?;
    }
    forward::start(listeners);

    let status = wait_forwarding(pid, &signals);
    guard.0 = None;
    if let Some(c) = cleanup.cgroups.take() {
        c.remove().map_err(|source| RuntimeError::Cgroups {
            name: name.clone(),
            source,
        })?;
    }
    drop(cleanup);
    Ok(status)
}

/// The container's first process. Never returns: it execs PID 1, becomes the reaper,
/// or reports an error on `err` and exits.
fn child_main(
    plan: &ChildPlan,
    joins: &[cgroups::JoinFile],
    born_in_v2: bool,
    go: Option<OwnedFd>,
    err: OwnedFd,
) -> ! {
    let mut err = std::fs::File::from(err);
    let _ = process::set_parent_death_signal(Signal::SIGKILL);
    // Into its cgroups before anything else, so every later step counts against them.
    if let Err(e) = cgroups::join(joins, born_in_v2) {
        let _ = err.write_all(format!("joining its cgroups: {e}").as_bytes());
        process::exit_now(1);
    }
    // The mounts are made while the host side wires the network.
    if let Err(m) = setup::setup_mounts(&mut nest_sys::syscall::Real, &plan.mounts) {
        let _ = err.write_all(m.to_string().as_bytes());
        process::exit_now(1);
    }
    let mut go = go.map(std::fs::File::from);
    let wait_for_host = |go: &mut Option<std::fs::File>| {
        let mut byte = [0u8; 1];
        match go.as_mut().map(|g| g.read(&mut byte)) {
            Some(Ok(1)) => {}
            // The host side gave up (or died): nothing to report to.
            _ => process::exit_now(1),
        }
    };
    if plan.mounts.private_network {
        wait_for_host(&mut go);
    }
    let message = match child_finish(plan) {
        Ok(()) => match &plan.pid1 {
            Pid1::Boot {
                argv,
                lean_allocator,
            } => {
                let mut env = plan.env.clone();
                for (k, v) in LEAN_ALLOCATOR.iter().filter(|_| *lean_allocator) {
                    env.entry((*k).to_string())
                        .or_insert_with(|| (*v).to_string());
                }
                // Ready: the host publishes the state file before PID 1 runs.
                if err.write_all(&[0]).is_err() {
                    process::exit_now(1);
                }
                wait_for_host(&mut go);
                exec_command(argv, &env)
            }
            Pid1::Reaper { argv } => reaper(argv, &plan.env, err),
        },
        Err(m) => m,
    };
    let _ = err.write_all(message.as_bytes());
    process::exit_now(1)
}

/// After the host side is done: the cgroup namespace (rooted at the container's own
/// cgroups, which it is in now), the cgroup mounts, then privileges dropped.
fn child_finish(plan: &ChildPlan) -> Result<(), String> {
    nix::sched::unshare(CloneFlags::CLONE_NEWCGROUP)
        .map_err(|e| format!("unshare cgroup namespace: {e}"))?;
    setup::mount_cgroups(
        &mut nest_sys::syscall::Real,
        &plan.cgroups,
        Path::new("/sys/fs/cgroup"),
    )
    .map_err(|e| e.to_string())?;
    if let Some(r) = &plan.resolv_conf {
        // Not worth failing a start over: a read-only root keeps its own file.
        let _ = write_resolv_conf(r);
    }
    nest_sys::startup::allow_thp_again();
    confine(plan.keep, plan.no_new_privs, plan.seccomp.as_ref())
}

/// PID 1 without `--boot`: runs the command as its child, forwards signals to it,
/// reaps every orphan, and exits with the command's status.
fn reaper(argv: &[String], env: &BTreeMap<String, String>, mut err: std::fs::File) -> ! {
    let signals = forwarded_signals();
    // posix_spawn: no copy of this (large) process's address space, and an exec error
    // comes back here to be reported.
    let spawned = prepare_command(argv, env).and_then(|(path, cargv)| {
        process::spawn(&path, &cargv, &env_cstrings(env))
            .map_err(|e| format!("executing {}: {e}", path.display()))
    });
    let main = match spawned {
        Ok(p) => p,
        Err(m) => {
            let _ = err.write_all(m.as_bytes());
            process::exit_now(1)
        }
    };
    // The command's exec closed its copy; the host reads EOF now.
    drop(err);
    loop {
        let Ok(sig) = signals.wait() else { continue };
        if sig != Signal::SIGCHLD {
            let _ = nix::sys::signal::kill(main, sig);
            continue;
        }
        loop {
            match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::Exited(p, c)) if p == main => process::exit_now(c),
                Ok(WaitStatus::Signaled(p, s, _)) if p == main => process::exit_now(128 + s as i32),
                Ok(WaitStatus::StillAlive) => break,
                Ok(_) => continue,
                Err(Errno::EINTR) => continue,
                Err(_) => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_caps_follow_nspawn_minus_admin_and_boot() {
        let set = default_capabilities(false, true);
        for absent in [
            "CAP_SYS_ADMIN",
            "CAP_SYS_BOOT",
            "CAP_SYS_MODULE",
            "CAP_SYS_TIME",
            "CAP_NET_ADMIN",
            "CAP_SYS_RAWIO",
        ] {
            assert!(
                !set.contains(caps::from_name(absent).unwrap_or(63)),
                "{absent}"
            );
        }
        for present in [
            "CAP_CHOWN",
            "CAP_KILL",
            "CAP_MKNOD",
            "CAP_SETUID",
            "CAP_NET_BIND_SERVICE",
            "CAP_SYS_CHROOT",
        ] {
            assert!(
                set.contains(caps::from_name(present).unwrap_or(63)),
                "{present}"
            );
        }
        assert!(
            default_capabilities(true, true).contains(12),
            "NET_ADMIN with a private network"
        );
        assert!(
            !default_capabilities(false, false).contains(27),
            "no MKNOD without a devices controller"
        );
    }

    #[test]
    fn environment_layers() {
        let mut spec_env = BTreeMap::new();
        spec_env.insert("PATH".to_string(), "/bin".to_string());
        spec_env.insert("FOO".to_string(), "1".to_string());
        let env = environment(&spec_env);
        assert_eq!(env.get("PATH").map(String::as_str), Some("/bin"));
        assert_eq!(env.get("container").map(String::as_str), Some("nest"));
        assert_eq!(env.get("FOO").map(String::as_str), Some("1"));
    }

    #[test]
    fn resolves_commands() {
        assert_eq!(resolve_command("/x/y", ""), Some(PathBuf::from("/x/y")));
        assert_eq!(
            resolve_command("sh", "/nonexistent:/bin"),
            Some(PathBuf::from("/bin/sh"))
        );
        assert_eq!(resolve_command("surely-not-a-command", "/bin"), None);
        assert_eq!(ExitStatus::Signal(9).code(), 137);
    }
}
