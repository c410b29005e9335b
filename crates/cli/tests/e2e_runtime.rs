//! Privileged end-to-end tests of the container runtime through the real `nest`
//! binary: containers made from a busybox root in a temp dir, checked from inside.
//!
//! They need root. Without root they skip, unless `CI` is set: then they fail.
//! Every test uses unique names and addresses and cleans up after itself (Drop
//! guards kill the processes it started, delete its veths, remove leftover cgroups).

use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
mod support;
use support::{privileged, unique};

const NEST: &str = env!("CARGO_BIN_EXE_nest");

/// A busybox root, a store and a run dir in a fresh temp dir.
struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let dir = tempfile::Builder::new()
            .prefix("nest-e2e-")
            .tempdir()
            .expect("tempdir");
        let bin = dir.path().join("root/bin");
        std::fs::create_dir_all(&bin).expect("mkdir root/bin");
        std::fs::copy("/usr/bin/busybox", bin.join("busybox"))
            .expect("busybox-static is installed");
        let list = Command::new("/usr/bin/busybox")
            .arg("--list")
            .output()
            .expect("busybox --list");
        for applet in String::from_utf8_lossy(&list.stdout).lines() {
            if applet != "busybox" {
                let _ = std::os::unix::fs::symlink("busybox", bin.join(applet));
            }
        }
        let store = dir.path().join("store/abc-hello");
        std::fs::create_dir_all(&store).expect("store");
        std::fs::write(store.join("greeting"), "hello from the store\n").expect("store file");
        World { dir }
    }
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
    fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }
    fn run_dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }
    fn state_dir(&self, name: &str) -> PathBuf {
        self.run_dir().join("containers").join(name)
    }
    /// `nest spawn -D root --run-dir … -M name <extra> -- <cmd>`.
    fn spawn_cmd(&self, name: &str, extra: &[&str], cmd: &[&str]) -> Command {
        let mut c = Command::new(NEST);
        c.arg("spawn")
            .arg("-D")
            .arg(self.root())
            .arg("--run-dir")
            .arg(self.run_dir())
            .arg("-M")
            .arg(name);
        c.args(extra).arg("--").args(cmd);
        c.stdin(Stdio::null());
        c
    }
}

/// Kills (SIGKILL) the process it holds, by its pid, unless it has exited.
struct ProcGuard(Option<Child>);

impl ProcGuard {
    fn pid(&self) -> i32 {
        self.0.as_ref().map(|c| c.id() as i32).unwrap_or(0)
    }
    fn signal(&self, sig: nix::sys::signal::Signal) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), sig);
    }
    /// Waits at most `timeout`; on timeout the guard kills it and the test fails.
    fn wait(mut self, timeout: Duration) -> Finished {
        let mut child = self.0.take().expect("child");
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                let mut stdout = String::new();
                let mut stderr = String::new();
                if let Some(mut o) = child.stdout.take() {
                    let _ = o.read_to_string(&mut stdout);
                }
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut stderr);
                }
                return Finished {
                    code: status.code(),
                    stdout,
                    stderr,
                };
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("process {} did not finish within {timeout:?}", child.id());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for ProcGuard {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[derive(Debug)]
struct Finished {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Starts a command with stdout/stderr captured to pipes. Output larger than a pipe
/// buffer would block the child: tests keep output small.
fn start(mut c: Command) -> ProcGuard {
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    ProcGuard(Some(c.spawn().expect("start nest")))
}

fn run(c: Command) -> Finished {
    start(c).wait(Duration::from_secs(60))
}

/// Deletes a host network interface on drop (a container's veth normally vanishes
/// with its namespace; this is for failures).
struct VethGuard(String);

impl Drop for VethGuard {
    fn drop(&mut self) {
        if let Ok(mut nl) = nest_sys::netlink::Netlink::open() {
            if let Ok(Some(_)) = nl.link_index(&self.0) {
                let _ = nl.delete_link(&self.0);
            }
        }
    }
}

/// Removes any cgroup a container of this name left behind; `assert_gone` checks
/// the runtime removed them itself.
struct CgroupGuard(String);

impl CgroupGuard {
    fn leftovers(&self) -> Vec<PathBuf> {
        let Ok(layout) = nest_sys::cgroup::Layout::detect() else {
            return Vec::new();
        };
        layout
            .hierarchies
            .iter()
            .map(|h| h.path_of(&h.current).join(format!("nest-{}", self.0)))
            .filter(|p| p.exists())
            .collect()
    }
    fn assert_gone(&self) {
        let left = self.leftovers();
        assert!(left.is_empty(), "cgroups left behind: {left:?}");
    }
}

impl Drop for CgroupGuard {
    fn drop(&mut self) {
        for p in self.leftovers() {
            let _ = nest_sys::cgroup::kill_and_remove(&p);
        }
    }
}

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .expect("host hostname")
        .trim()
        .to_string()
}

/// Parses `KEY=VALUE` lines a test script printed.
fn field<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {key}= in output:\n{out}"))
}

#[test]
fn start_exit_status_and_cleanup() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let name = unique("st");
    let cg = CgroupGuard(name.clone());
    let ok = run(w.spawn_cmd(&name, &[], &["/bin/true"]));
    assert_eq!(ok.code, Some(0), "{ok:?}");
    let seven = run(w.spawn_cmd(&name, &[], &["/bin/sh", "-c", "exit 7"]));
    assert_eq!(seven.code, Some(7), "{seven:?}");
    let missing = run(w.spawn_cmd(&name, &[], &["/bin/definitely-missing"]));
    assert_eq!(missing.code, Some(1));
    assert!(missing.stderr.contains("definitely-missing"), "{missing:?}");
    assert!(
        !w.state_dir(&name).join("state.json").exists(),
        "state file removed after exit"
    );
    cg.assert_gone();
}

#[test]
fn isolation_seen_from_inside() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let name = unique("iso");
    let cg = CgroupGuard(name.clone());
    let host_before = hostname();
    let store = w.store();
    let store_s = store.to_str().expect("utf-8 temp path");
    let host_pid = std::process::id();
    let script = format!(
        r#"
echo PIDS=$(ls /proc | grep -c '^[0-9]')
test -e /proc/{host_pid} && echo HOST_PID=visible || echo HOST_PID=hidden
echo PID1=$(tr '\0' ' ' < /proc/1/cmdline | cut -c1-200)
echo HOSTNAME=$(hostname)
hostname renamed-inside 2>/dev/null && echo SETHOST=ok || echo SETHOST=denied
echo HOSTNAME_AFTER=$(hostname)
echo STORE_READ=$(cat {store_s}/abc-hello/greeting)
touch {store_s}/abc-hello/new 2>/dev/null && echo STORE_WRITE=ok || echo STORE_WRITE=denied
mount -o remount,rw {store_s} 2>/dev/null && echo STORE_REMOUNT=ok || echo STORE_REMOUNT=denied
mount -o remount,bind,rw {store_s} 2>/dev/null && echo STORE_REMOUNT_BIND=ok || echo STORE_REMOUNT_BIND=denied
umount {store_s} 2>/dev/null && echo STORE_UMOUNT=ok || echo STORE_UMOUNT=denied
touch {store_s}/abc-hello/new2 2>/dev/null && echo STORE_WRITE2=ok || echo STORE_WRITE2=denied
mkdir /sys/fs/cgroup/memory/escape 2>/dev/null && echo CG_MKDIR=ok || echo CG_MKDIR=denied
mkdir /sys/fs/cgroup/unified/escape 2>/dev/null && echo CG2_MKDIR=ok || echo CG2_MKDIR=denied
mkdir /sys/fs/cgroup/escape 2>/dev/null && echo CGROOT_MKDIR=ok || echo CGROOT_MKDIR=denied
(echo 5 > /sys/fs/cgroup/pids/pids.max) 2>/dev/null && echo CG_WRITE=ok || echo CG_WRITE=denied
mkdir -p /tmp/cg && mount -t cgroup2 none /tmp/cg 2>/dev/null && echo CG_MOUNT=ok || echo CG_MOUNT=denied
echo OWN_CGROUPS=$(cut -d: -f3 /proc/self/cgroup | sort -u | tr '\n' ' ')
mknod /tmp/disk b 8 0 2>/dev/null && echo MKNOD_BLOCK=ok || echo MKNOD_BLOCK=denied
mknod /tmp/null2 c 1 3 2>/dev/null && echo MKNOD_NULL=ok || echo MKNOD_NULL=denied
echo CAPBND=$(grep CapBnd /proc/self/status | cut -f2)
echo PROC_SYS=$(grep ' /proc/sys ' /proc/self/mountinfo | cut -d' ' -f6)
echo SYS=$(grep ' /sys ' /proc/self/mountinfo | cut -d' ' -f6)
echo CGFS=$(grep ' /sys/fs/cgroup/memory ' /proc/self/mountinfo | cut -d' ' -f6)
echo DEV=$(ls /dev | tr '\n' ' ')
echo RUN=$(grep ' /run ' /proc/self/mountinfo | cut -d' ' -f9)
echo TMP=$(grep ' /tmp ' /proc/self/mountinfo | cut -d' ' -f9)
echo NOSTATE=$(ls /run/host 2>&1 | grep -c 'No such')
"#
    );
    let out = run(w.spawn_cmd(&name, &["--store", store_s], &["/bin/sh", "-c", &script]));
    assert_eq!(out.code, Some(0), "{out:?}");
    let o = &out.stdout;
    let pids: u32 = field(o, "PIDS").parse().expect("count");
    // PID 1, sh, and the few processes of the counting pipeline itself.
    assert!(pids <= 8, "host PIDs visible: {pids}\n{o}");
    assert_eq!(
        field(o, "HOST_PID"),
        "hidden",
        "the test's own pid {host_pid} is visible inside"
    );
    assert!(
        field(o, "PID1").contains("nest"),
        "PID 1 is nest's reaper: {o}"
    );
    assert_eq!(field(o, "HOSTNAME"), name);
    // The container may not even set its own hostname (no CAP_SYS_ADMIN); the host's
    // must be untouched either way.
    assert_eq!(field(o, "SETHOST"), "denied");
    assert_eq!(hostname(), host_before);
    assert_eq!(field(o, "STORE_READ"), "hello from the store");
    for k in [
        "STORE_WRITE",
        "STORE_REMOUNT",
        "STORE_REMOUNT_BIND",
        "STORE_UMOUNT",
        "STORE_WRITE2",
    ] {
        assert_eq!(field(o, k), "denied", "{k}\n{o}");
    }
    for k in [
        "CG_MKDIR",
        "CG2_MKDIR",
        "CGROOT_MKDIR",
        "CG_WRITE",
        "CG_MOUNT",
    ] {
        assert_eq!(field(o, k), "denied", "{k}\n{o}");
    }
    assert_eq!(
        field(o, "OWN_CGROUPS"),
        "/",
        "the cgroup namespace root is the container's cgroup"
    );
    assert_eq!(field(o, "MKNOD_BLOCK"), "denied");
    let capbnd = u64::from_str_radix(field(o, "CAPBND"), 16).expect("hex");
    for (cap, bit) in [
        ("CAP_SYS_MODULE", 16),
        ("CAP_SYS_TIME", 25),
        ("CAP_SYS_BOOT", 22),
        ("CAP_SYS_ADMIN", 21),
        ("CAP_SYS_RAWIO", 17),
    ] {
        assert_eq!(
            capbnd & (1 << bit),
            0,
            "{cap} in the bounding set {capbnd:x}"
        );
    }
    assert_ne!(capbnd & (1 << 0), 0, "CAP_CHOWN kept");
    for k in ["PROC_SYS", "SYS", "CGFS"] {
        assert!(
            field(o, k).split(',').any(|f| f == "ro"),
            "{k} not read-only: {o}"
        );
    }
    let dev: Vec<&str> = field(o, "DEV").split_whitespace().collect();
    for d in [
        "null", "zero", "full", "random", "urandom", "tty", "console", "pts", "ptmx", "shm",
    ] {
        assert!(dev.contains(&d), "/dev/{d} missing: {dev:?}");
    }
    assert!(
        !dev.iter()
            .any(|d| d.starts_with("sd") || d.starts_with("vd") || *d == "mem" || *d == "kmsg"),
        "{dev:?}"
    );
    assert_eq!(field(o, "RUN"), "tmpfs");
    assert_eq!(field(o, "TMP"), "tmpfs");
    assert!(!store.join("abc-hello/new").exists());
    cg.assert_gone();
}

/// What a booted container's PID 1 was, seen from the host.
struct Booted {
    /// `/proc/<pid>/cmdline`, split.
    argv: Vec<String>,
    /// `(dev, ino)` of the file `/proc/<pid>/exe` points at.
    exe: (u64, u64),
    stderr: String,
}

/// Boots a one-service system with `nest` (a `nest` executable), checks the service
/// runs in the container, stops it with SIGTERM and returns what PID 1 was.
fn boot_and_stop(nest: &Path) -> Booted {
    use std::os::unix::fs::MetadataExt;
    let w = World::new();
    let name = unique("boot");
    let _cg = CgroupGuard(name.clone());
    let system = w.root().join("system");
    std::fs::create_dir_all(&system).expect("system dir");
    std::fs::write(
        system.join("services.json"),
        r#"{"version":1,"services":{"hello":{"command":["/bin/sh","-c","hostname > /run/host/state/hello; exec sleep 1000"],"wantedBy":["multi-user.target"]}}}"#,
    )
    .expect("services.json");
    let mut cmd = w.spawn_cmd(&name, &["--boot", "/system"], &[]);
    let args: Vec<_> = cmd.get_args().map(|a| a.to_os_string()).collect();
    cmd = Command::new(nest);
    cmd.args(args).stdin(Stdio::null());
    let c = start(cmd);
    let marker = w.state_dir(&name).join("hello");
    // The shell creates the file before it writes: wait for the whole line.
    wait_for("the service to start", Duration::from_secs(20), || {
        std::fs::read_to_string(&marker).is_ok_and(|t| t.ends_with('\n'))
    });
    assert_eq!(
        std::fs::read_to_string(&marker).expect("marker").trim(),
        name
    );
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(w.state_dir(&name).join("state.json")).expect("state.json"),
    )
    .expect("json");
    let pid = state["pid"].as_i64().unwrap_or(0);
    assert!(pid > 1);
    let argv = std::fs::read(format!("/proc/{pid}/cmdline"))
        .expect("PID 1's cmdline")
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let md = std::fs::metadata(format!("/proc/{pid}/exe")).expect("PID 1's executable");
    c.signal(nix::sys::signal::Signal::SIGTERM);
    let t = Instant::now();
    let done = c.wait(Duration::from_secs(20));
    assert_eq!(done.code, Some(0), "{done:?}");
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "stop took {:?}",
        t.elapsed()
    );
    Booted {
        argv,
        exe: (md.dev(), md.ino()),
        stderr: done.stderr,
    }
}

#[test]
fn boot_runs_the_static_nest_init_and_stops_on_sigterm() {
    use std::os::unix::fs::MetadataExt;
    if !privileged() {
        return;
    }
    // Cargo builds every binary of the package before its integration tests.
    let init = Path::new(NEST).with_file_name("nest-init");
    let md = std::fs::metadata(&init).expect("nest-init is built next to nest");
    let b = boot_and_stop(Path::new(NEST));
    assert_eq!(
        b.exe,
        (md.dev(), md.ino()),
        "PID 1 is nest-init: {:?}",
        b.argv
    );
    assert_eq!(b.argv[0], "/run/host/nest-init", "{:?}", b.argv);
    assert!(!b.stderr.contains("warning"), "{}", b.stderr);
}

#[test]
fn boot_falls_back_to_nest_init_subcommand_without_nest_init() {
    if !privileged() {
        return;
    }
    // A nest executable alone in a directory (a hard link: same file, no copy).
    let dir = tempfile::Builder::new()
        .prefix("nest-alone-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("tempdir");
    let alone = dir.path().join("nest");
    if std::fs::hard_link(NEST, &alone).is_err() {
        std::fs::copy(NEST, &alone).expect("copy nest");
    }
    let b = boot_and_stop(&alone);
    // Run directly when nest is linked static (as built with libc6-dev), else through
    // the host's dynamic loader: either way `/run/host/nest init` is in argv.
    let at = b.argv.iter().position(|a| a == "/run/host/nest");
    assert_eq!(
        at.and_then(|i| b.argv.get(i + 1)).map(String::as_str),
        Some("init"),
        "{:?}",
        b.argv
    );
    let warnings: Vec<&str> = b.stderr.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warnings.len(), 1, "{}", b.stderr);
    assert!(
        warnings[0].contains("nest-init") && warnings[0].contains("nest init"),
        "{}",
        warnings[0]
    );
}

#[test]
fn exec_enters_a_running_container() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let name = unique("ex");
    let _cg = CgroupGuard(name.clone());
    let c = start(w.spawn_cmd(
        &name,
        &[],
        &["/bin/sh", "-c", "echo inside > /tmp/mark; exec sleep 60"],
    ));
    let state = w.state_dir(&name).join("state.json");
    wait_for("state.json", Duration::from_secs(20), || state.exists());
    // Seen from the host, PID 1 is in the container's own cgroup in every hierarchy.
    let st: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).expect("state")).expect("json");
    let pid1 = st["pid"].as_i64().expect("pid");
    let cgroups =
        std::fs::read_to_string(format!("/proc/{pid1}/cgroup")).expect("/proc/PID/cgroup");
    for line in cgroups.lines() {
        assert!(
            line.ends_with(&format!("/nest-{name}")),
            "{line} in\n{cgroups}"
        );
    }
    let mut e = Command::new(NEST);
    e.args(["container", "exec", "-T", &name, "--run-dir"]).arg(w.run_dir()).args([
        "--",
        "/bin/sh",
        "-c",
        "until [ -s /tmp/mark ]; do sleep 0.01; done; cat /tmp/mark; hostname; ls /proc | grep -c '^[0-9]'; cut -d: -f3 /proc/self/cgroup | sort -u; exit 3",
    ]);
    e.stdin(Stdio::null());
    let out = run(e);
    assert_eq!(out.code, Some(3), "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "inside", "sees the container's /tmp: {out:?}");
    assert_eq!(lines[1], name);
    let pids: u32 = lines[2].parse().expect("count");
    assert!(pids <= 5, "{out:?}");
    assert_eq!(lines[3], "/", "{out:?}");
    drop(c);
    let mut gone = Command::new(NEST);
    gone.args(["container", "exec", "-T", "no-such-container", "--run-dir"])
        .arg(w.run_dir())
        .args(["--", "/bin/true"]);
    let out = run(gone);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .contains("container no-such-container is not running"),
        "{out:?}"
    );
}

#[test]
fn private_network_is_up_before_the_command_and_reachable_with_forwarded_ports() {
    if !privileged() {
        return;
    }
    let w = World::new();
    // A long name: the host-side veth gets a hashed name instead of failing.
    let name = unique("private-network-with-a-very-long-name-");
    let _cg = CgroupGuard(name.clone());
    let octet = 10 + (std::process::id() % 200);
    let (host, local) = (format!("10.233.{octet}.1"), format!("10.233.{octet}.2"));
    let (host6, local6) = (
        format!("fd00:233:{octet}::1"),
        format!("fd00:233:{octet}::2"),
    );
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        l.local_addr().expect("addr").port()
    };
    let veth = format!("ve-{}", &hash_hint(&name));
    let _vg = VethGuard(veth);
    let script = format!("ping -c1 -W2 {host} >/dev/null && echo PING_HOST=ok || echo PING_HOST=fail; echo ready > /tmp/r; exec nc -ll -p 8080 -e /bin/echo hello-from-{name}");
    let port_arg = format!("tcp:{port}:8080");
    let c = start(w.spawn_cmd(
        &name,
        &[
            "--private-network",
            "--host-address",
            &host,
            "--local-address",
            &local,
            "--host-address6",
            &host6,
            "--local-address6",
            &local6,
            "-p",
            &port_arg,
        ],
        &["/bin/sh", "-c", &script],
    ));
    let expect = format!("hello-from-{name}");
    let fetch = |addr: String| -> Option<String> {
        let mut s =
            TcpStream::connect_timeout(&addr.parse().ok()?, Duration::from_millis(500)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        Some(out.trim().to_string())
    };
    let mut direct = None;
    wait_for("the container's server", Duration::from_secs(20), || {
        direct = fetch(format!("{local}:8080"));
        direct.is_some()
    });
    assert_eq!(direct.as_deref(), Some(expect.as_str()));
    assert_eq!(
        fetch(format!("[{local6}]:8080")).as_deref(),
        Some(expect.as_str()),
        "IPv6 over the veth"
    );
    assert_eq!(
        fetch(format!("127.0.0.1:{port}")).as_deref(),
        Some(expect.as_str()),
        "forwarded port"
    );
    // Host-side interface name never exceeds 15 bytes.
    let links = Command::new("ip")
        .args(["-o", "link", "show", "type", "veth"])
        .output()
        .expect("ip link");
    let links = String::from_utf8_lossy(&links.stdout);
    assert!(
        links
            .lines()
            .any(|l| l.contains(&format!("{}@", hash_hint(&name)))),
        "{links}"
    );
    c.signal(nix::sys::signal::Signal::SIGTERM);
    let done = c.wait(Duration::from_secs(20));
    assert_eq!(
        field(&done.stdout, "PING_HOST"),
        "ok",
        "the network was configured before the command ran"
    );
}

/// The host veth name the runtime derives (mirrors `ContainerName::veth_name`).
fn hash_hint(name: &str) -> String {
    nest_container::ContainerName::new(name)
        .expect("valid")
        .veth_name()
        .trim_start_matches("ve-")
        .to_string()
}

#[test]
fn memory_limit_kills_a_hog() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let name = unique("mem");
    let cg = CgroupGuard(name.clone());
    // At most 256 MiB are ever asked for; the limit is 32 MiB.
    let out = run(w.spawn_cmd(
        &name,
        &["--memory-max", "32M"],
        &[
            "/bin/sh",
            "-c",
            "a=$(head -c 268435456 /dev/zero | tr '\\0' x); echo survived ${#a}",
        ],
    ));
    assert!(!out.stdout.contains("survived"), "{out:?}");
    assert_eq!(out.code, Some(137), "killed by the OOM killer: {out:?}");
    cg.assert_gone();
}

#[test]
fn pids_limit_stops_a_fork_bomb() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let name = unique("pids");
    let cg = CgroupGuard(name.clone());
    // A bounded "bomb": 60 attempts at background processes under a limit of 16.
    // The bomb runs in a subshell, which gives up at the first failed fork; the
    // counting afterwards uses shell builtins only, so it needs no fork itself.
    let script = "(for i in $(seq 1 60); do sleep 3 & done) 2>/tmp/err; \
        n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo ALIVE=$n; \
        e=0; while read -r l; do e=$((e+1)); done < /tmp/err; echo FORK_ERRORS=$e";
    let out = run(w.spawn_cmd(&name, &["--pids-max", "16"], &["/bin/sh", "-c", script]));
    assert_eq!(out.code, Some(0), "{out:?}");
    let alive: u32 = field(&out.stdout, "ALIVE").parse().expect("n");
    let errors: u32 = field(&out.stdout, "FORK_ERRORS").parse().expect("n");
    assert!(alive <= 17, "{out:?}");
    assert!(errors > 0, "{out:?}");
    cg.assert_gone();
}

#[test]
fn fifty_containers_start_at_once() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let names: Vec<String> = (0..50).map(|_| unique("many")).collect();
    let _guards: Vec<CgroupGuard> = names.iter().map(|n| CgroupGuard(n.clone())).collect();
    let procs: Vec<ProcGuard> = names
        .iter()
        .map(|n| start(w.spawn_cmd(n, &[], &["/bin/sh", "-c", "echo up-$(hostname)"])))
        .collect();
    let mut failures = Vec::new();
    for (n, p) in names.iter().zip(procs) {
        let out = p.wait(Duration::from_secs(120));
        if out.code != Some(0) || out.stdout.trim() != format!("up-{n}") {
            failures.push(format!("{n}: {out:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 50 failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn binds_ephemeral_and_tmpfs() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let name = unique("bind");
    let _cg = CgroupGuard(name.clone());
    let rw = w.dir.path().join("rw");
    let ro = w.dir.path().join("ro");
    std::fs::create_dir_all(&rw).expect("rw");
    std::fs::create_dir_all(&ro).expect("ro");
    let (rw_arg, ro_arg) = (
        format!("{}:/data", rw.display()),
        format!("{}:/config", ro.display()),
    );
    let script = "echo x > /data/written && echo RW=ok; (echo x > /config/written) 2>/dev/null && echo RO=ok || echo RO=denied; echo eph > /eph-file; echo T=$(grep ' /scratch ' /proc/self/mountinfo | cut -d' ' -f9)";
    let out = run(w.spawn_cmd(
        &name,
        &[
            "--bind",
            &rw_arg,
            "--bind-ro",
            &ro_arg,
            "--ephemeral",
            "--tmpfs",
            "/scratch",
        ],
        &["/bin/sh", "-c", script],
    ));
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(field(&out.stdout, "RW"), "ok");
    assert_eq!(field(&out.stdout, "RO"), "denied");
    assert_eq!(field(&out.stdout, "T"), "tmpfs");
    assert!(rw.join("written").exists());
    assert!(!ro.join("written").exists());
    assert!(
        !w.root().join("eph-file").exists(),
        "ephemeral writes are not kept"
    );
    assert!(!Path::new(&w.state_dir(&name)).join("ephemeral").exists());
}

#[test]
fn hardening_flags_and_status_file() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let name = unique("hard");
    let _cg = CgroupGuard(name.clone());
    let out = run(w.spawn_cmd(
        &name,
        &["--seccomp", "--no-new-privileges", "--capability", "CAP_SYS_TIME"],
        &["/bin/sh", "-c", "grep -E '^(Seccomp|Seccomp_filters|NoNewPrivs|CapBnd):' /proc/self/status; adjtimex >/dev/null 2>/tmp/e && echo ADJTIMEX=ok || echo ADJTIMEX=$(cat /tmp/e)"],
    ));
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("Seccomp:\t2"), "{out:?}");
    // The EPERM list and the NETLINK_AUDIT filter (kernels from 5.9 count filters).
    let filters = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("Seccomp_filters:\t"));
    assert!(filters.is_none_or(|n| n == "2"), "{out:?}");
    // Reading the clock's tuning (adjtimex with no changes) needs no capability: only
    // the filter refuses it.
    assert!(
        field(&out.stdout, "ADJTIMEX").contains("not permitted"),
        "{out:?}"
    );
    assert!(out.stdout.contains("NoNewPrivs:\t1"), "{out:?}");
    let capbnd =
        u64::from_str_radix(field(&out.stdout.replace(":\t", "="), "CapBnd"), 16).expect("hex");
    assert_ne!(capbnd & (1 << 25), 0, "additional capability kept");
    let plain = run(w.spawn_cmd(&name, &[], &["/bin/sh", "-c", "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; adjtimex >/dev/null 2>&1 && echo ADJTIMEX=ok || echo ADJTIMEX=fail"]));
    assert!(
        plain.stdout.contains("Seccomp:\t0") && plain.stdout.contains("NoNewPrivs:\t0"),
        "{plain:?}"
    );
    assert_eq!(field(&plain.stdout, "ADJTIMEX"), "ok", "{plain:?}");
}

#[test]
fn second_container_with_the_same_name_is_refused() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let name = unique("dup");
    let _cg = CgroupGuard(name.clone());
    let first = start(w.spawn_cmd(&name, &[], &["/bin/sleep", "30"]));
    let state = w.state_dir(&name).join("state.json");
    wait_for("state.json", Duration::from_secs(20), || state.exists());
    let second = run(w.spawn_cmd(&name, &[], &["/bin/true"]));
    assert_eq!(second.code, Some(1));
    assert!(second.stderr.contains("is already running"), "{second:?}");
    drop(first);
}

#[test]
fn bad_names_and_specs_are_usage_errors() {
    let out = Command::new(NEST)
        .args([
            "spawn",
            "-D",
            "/nonexistent-root",
            "-M",
            "bad/name",
            "--print-spec",
            "--",
            "/bin/true",
        ])
        .output()
        .expect("nest");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid container name \"bad/name\": character '/' at position 3"),
        "{err}"
    );
    let out = Command::new(NEST)
        .args([
            "spawn",
            "-D",
            "/srv/some root",
            "--private-network",
            "--local-address",
            "10.233.0.2/24",
            "-p",
            "8080:80",
            "--print-spec",
            "--",
            "/bin/true",
        ])
        .output()
        .expect("nest");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let spec: serde_json::Value = serde_json::from_slice(&out.stdout).expect("spec json");
    assert_eq!(spec["name"], "some-root");
    assert_eq!(spec["localAddress"], "10.233.0.2/24");
    assert_eq!(spec["forwardPorts"][0]["hostPort"], 8080);
}

#[test]
fn exec_gives_a_pty_when_stdin_is_a_terminal() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let name = unique("pty");
    let _cg = CgroupGuard(name.clone());
    let c = start(w.spawn_cmd(&name, &[], &["/bin/sleep", "60"]));
    let state = w.state_dir(&name).join("state.json");
    wait_for("state.json", Duration::from_secs(20), || state.exists());
    // util-linux `script` gives nest a terminal on stdin and stdout and returns the
    // command's status (-e).
    let inner = format!(
        "{NEST} container exec {name} --run-dir {} -- /bin/sh -c 'tty; exit 5'",
        w.run_dir().display()
    );
    let mut s = Command::new("script");
    s.args(["-qec", &inner, "/dev/null"]);
    s.stdin(Stdio::null());
    let out = run(s);
    assert_eq!(out.code, Some(5), "{out:?}");
    assert!(
        out.stdout.contains("/dev/pts/0"),
        "the container's own devpts: {out:?}"
    );
    drop(c);
}

#[test]
fn a_symlinked_mount_point_in_the_root_is_refused() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let name = unique("link");
    let cg = CgroupGuard(name.clone());
    // A hostile root: its /run points at a host directory.
    let outside = w.dir.path().join("outside");
    std::fs::create_dir_all(&outside).expect("outside");
    std::os::unix::fs::symlink(&outside, w.root().join("run")).expect("symlink");
    let out = run(w.spawn_cmd(&name, &[], &["/bin/true"]));
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("is a symbolic link"), "{out:?}");
    assert_eq!(
        std::fs::read_dir(&outside).expect("outside").count(),
        0,
        "nothing created through the link"
    );
    cg.assert_gone();
}

#[test]
fn run_spec_runs_a_json_spec_in_the_foreground() {
    if !privileged() {
        return;
    }
    let w = World::new();
    let name = unique("spec");
    let cg = CgroupGuard(name.clone());
    let spec = serde_json::json!({
        "name": name,
        "rootDir": w.root(),
        "stateDir": w.state_dir(&name),
        "storeDir": w.store(),
        "command": ["/bin/sh", "-c", "echo $GREETING; cat /sys/fs/cgroup/pids/pids.max; exit 4"],
        "environment": { "GREETING": "hi-from-spec" },
        "bindMounts": { "/extra": { "hostPath": w.store(), "isReadOnly": true } },
        "limits": { "pidsMax": 50 }
    });
    let file = w.dir.path().join("spec.json");
    std::fs::write(&file, spec.to_string()).expect("spec");
    let mut c = Command::new(NEST);
    c.args(["container", "run-spec"])
        .arg(&file)
        .stdin(Stdio::null());
    let out = run(c);
    assert_eq!(out.code, Some(4), "{out:?}");
    assert_eq!(out.stdout, "hi-from-spec\n50\n", "{out:?}");
    cg.assert_gone();
    std::fs::write(
        &file,
        r#"{"name":"x","command":["/bin/true"],"limits":{"pidsMax":0}}"#,
    )
    .expect("bad spec");
    let mut c = Command::new(NEST);
    c.args(["container", "run-spec"])
        .arg(&file)
        .stdin(Stdio::null());
    let out = run(c);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .contains("limits.pidsMax must be greater than zero"),
        "{out:?}"
    );
}
