//! The builder sandbox. The parent writes a [`SandboxSpec`] and runs
//! `<nest> build --sandbox-child SPEC` (a fresh, single-threaded process, as `clone`
//! with namespace flags requires); that helper ([`child_main`]) unshares mount, UTS,
//! IPC and (unless the derivation is fixed-output) network namespaces, forks into a
//! new PID namespace, and the child builds a root on a tmpfs where only the input
//! closure is visible (read-only bind mounts), the outputs' directory and `/build`
//! are writable, then pivots into it, drops capabilities and execs the builder.

use nest_sys::syscall::{bind, Real, Syscall};
use nest_sys::{CloneFlags, MsFlags};
use std::ffi::CString;
use std::path::{Path, PathBuf};

/// Everything the helper needs, written as JSON by the parent.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SandboxSpec {
    /// An empty host directory to mount the new root's tmpfs on.
    pub root: PathBuf,
    /// The store directory as builders see it (and as paths print).
    pub store_dir: String,
    /// Host directory mounted (writable) at `store_dir`: outputs land here.
    pub chroot_store: PathBuf,
    /// Host paths of the input closure, bind-mounted read-only at `store_dir/<base>`.
    pub inputs: Vec<PathBuf>,
    /// Host directory mounted at `/build`.
    pub build_dir: PathBuf,
    pub builder: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Fixed-output derivations keep the host network.
    pub network: bool,
    /// Host files bound read-only into the sandbox (inside path, host path), like Nix's
    /// `sandbox-paths` (whose default is `/bin/sh` = a static busybox).
    #[serde(default)]
    pub extra_paths: Vec<(String, PathBuf)>,
    /// The pid of the `nest` that started the helper: if it is no longer the helper's
    /// parent once the parent death signal is set, it died before, and the signal
    /// will never come.
    #[serde(default)]
    pub parent: Option<u32>,
}

fn fail(what: &str, e: impl std::fmt::Display) -> i32 {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "nest sandbox: {what}: {e}");
    127
}

/// The helper's entry point; returns the exit code the helper should exit with (the
/// builder's, or 127 for a sandbox failure, with a message on stderr).
pub fn child_main(spec_file: &Path) -> i32 {
    let spec: SandboxSpec = match std::fs::read(spec_file)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    {
        Ok(s) => s,
        Err(e) => return fail("reading the sandbox spec", e),
    };
    // If nest (our parent) dies, so does the build.
    if let Err(e) = nest_sys::process::set_parent_death_signal(nix::sys::signal::Signal::SIGKILL) {
        return fail("setting the parent death signal", e);
    }
    if spec
        .parent
        .is_some_and(|p| i64::from(nix::unistd::getppid().as_raw()) != i64::from(p))
    {
        return fail("starting", "the nest that started this build is gone");
    }
    let mut flags = CloneFlags::CLONE_NEWNS | CloneFlags::CLONE_NEWUTS | CloneFlags::CLONE_NEWIPC;
    if !spec.network {
        flags |= CloneFlags::CLONE_NEWNET;
    }
    let mut sys = Real;
    if let Err(e) = sys.unshare(flags) {
        return fail("creating namespaces", e);
    }
    match nest_sys::process::fork_into(CloneFlags::CLONE_NEWPID) {
        Err(e) => fail("forking into a PID namespace", e),
        Ok(nest_sys::process::Forked::Child) => {
            let code = match in_sandbox(&spec) {
                Ok(never) => match never {},
                Err(e) => fail("setting up", e),
            };
            nest_sys::process::exit_now(code)
        }
        Ok(nest_sys::process::Forked::Parent(pid)) => loop {
            match nix::sys::wait::waitpid(pid, None) {
                Ok(nix::sys::wait::WaitStatus::Exited(_, c)) => return c,
                Ok(nix::sys::wait::WaitStatus::Signaled(_, s, _)) => return 128 + s as i32,
                Ok(_) => continue,
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return fail("waiting for the builder", e),
            }
        },
    }
}

enum Never {}

fn in_sandbox(spec: &SandboxSpec) -> Result<Never, String> {
    let _ = nest_sys::process::set_parent_death_signal(nix::sys::signal::Signal::SIGKILL);
    let mut sys = Real;
    let e = |x: nest_sys::syscall::SyscallError| x.to_string();
    sys.mount(
        None,
        Path::new("/"),
        None,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None,
    )
    .map_err(e)?;
    let root = &spec.root;
    sys.mount(
        Some(Path::new("tmpfs")),
        root,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=0755"),
    )
    .map_err(e)?;
    let at = |p: &str| root.join(p.trim_start_matches('/'));

    // /build
    sys.mkdir_all(&at("/build"), 0o755).map_err(e)?;
    sys.mount(
        Some(&spec.build_dir),
        &at("/build"),
        None,
        MsFlags::MS_BIND,
        None,
    )
    .map_err(e)?;

    // The store: writable for the outputs, each input read-only.
    let store = at(&spec.store_dir);
    sys.mkdir_all(&store, 0o755).map_err(e)?;
    sys.mount(
        Some(&spec.chroot_store),
        &store,
        None,
        MsFlags::MS_BIND,
        None,
    )
    .map_err(e)?;
    for input in &spec.inputs {
        let Some(base) = input.file_name() else {
            continue;
        };
        let target = store.join(base);
        let is_dir = input
            .symlink_metadata()
            .map(|m| m.is_dir())
            .unwrap_or(false);
        bind(&mut sys, input, &target, is_dir, true, MsFlags::MS_REC).map_err(e)?;
    }

    for (inside, host) in &spec.extra_paths {
        let target = at(inside);
        bind(
            &mut sys,
            host,
            &target,
            host.is_dir(),
            true,
            MsFlags::MS_REC,
        )
        .map_err(e)?;
    }

    // A minimal /dev, /proc, /tmp and /etc.
    for d in ["/dev", "/proc", "/tmp", "/etc", "/dev/shm", "/dev/pts"] {
        sys.mkdir_all(&at(d), 0o755).map_err(e)?;
    }
    for dev in ["null", "zero", "full", "random", "urandom", "tty"] {
        let t = at(&format!("/dev/{dev}"));
        sys.touch(&t).map_err(e)?;
        sys.mount(
            Some(&Path::new("/dev").join(dev)),
            &t,
            None,
            MsFlags::MS_BIND,
            None,
        )
        .map_err(e)?;
    }
    for (l, t) in [
        ("/dev/fd", "/proc/self/fd"),
        ("/dev/stdin", "/proc/self/fd/0"),
        ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"),
    ] {
        sys.symlink(Path::new(t), &at(l)).map_err(e)?;
    }
    sys.mount(
        Some(Path::new("tmpfs")),
        &at("/dev/shm"),
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=1777"),
    )
    .map_err(e)?;
    sys.mount(
        Some(Path::new("proc")),
        &at("/proc"),
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None,
    )
    .map_err(e)?;
    std::fs::set_permissions(
        at("/tmp"),
        std::os::unix::fs::PermissionsExt::from_mode(0o1777),
    )
    .map_err(|x| x.to_string())?;
    let etc = [
        (
            "passwd",
            "root:x:0:0:Nest build user:/build:/noshell\nnobody:x:65534:65534:Nobody:/:/noshell\n",
        ),
        ("group", "root:x:0:\nnogroup:x:65534:\n"),
        ("hosts", "127.0.0.1 localhost\n::1 localhost\n"),
    ];
    for (name, text) in etc {
        std::fs::write(at(&format!("/etc/{name}")), text)
            .map_err(|x| format!("writing /etc/{name}: {x}"))?;
    }

    // Enter it.
    let old = at("/.old-root");
    sys.mkdir_all(&old, 0o700).map_err(e)?;
    sys.pivot_root(root, &old).map_err(e)?;
    sys.chdir(Path::new("/")).map_err(e)?;
    sys.umount_detach(Path::new("/.old-root")).map_err(e)?;
    let _ = std::fs::remove_dir("/.old-root");
    sys.chdir(Path::new("/build")).map_err(e)?;
    sys.sethostname("localhost").map_err(e)?;
    if !spec.network {
        // Only loopback exists in the new network namespace; Nix brings it up too.
        if let Ok(mut nl) = nest_sys::netlink::Netlink::open() {
            let _ = nl.set_up("lo");
        }
    }

    // The builder is root in here but without the capabilities that could undo the
    // sandbox (mount, network administration, module loading...).
    let mut keep = nest_sys::caps::CapSet(0);
    for name in [
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
    ] {
        if let Some(c) = nest_sys::caps::from_name(name) {
            keep = keep.with(c);
        }
    }
    nest_sys::caps::drop_bounding_except(keep)
        .map_err(|x| format!("dropping capabilities: {x}"))?;
    nest_sys::caps::limit_own(keep).map_err(|x| format!("dropping capabilities: {x}"))?;
    nest_sys::caps::set_no_new_privs().map_err(|x| format!("no_new_privs: {x}"))?;
    nest_sys::process::reset_signal_dispositions();

    exec_builder(spec)
}

/// Replaces the sandbox process by the builder.
fn exec_builder(spec: &SandboxSpec) -> Result<Never, String> {
    let cstr = |s: &str| CString::new(s).map_err(|_| format!("'{s}' contains a NUL byte"));
    let argv0 = Path::new(&spec.builder)
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| spec.builder.clone());
    let mut argv = vec![cstr(&argv0)?];
    for a in &spec.args {
        argv.push(cstr(a)?);
    }
    let mut env = Vec::new();
    for (k, v) in &spec.env {
        env.push(cstr(&format!("{k}={v}"))?);
    }
    let errno = nest_sys::process::exec(Path::new(&spec.builder), &argv, &env);
    Err(format!("executing builder '{}': {errno}", spec.builder))
}
